import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { Report } from '../../core/report.ts';
import { makeAlert, makeAttribute, makeEmitContext, makeReport } from '../../core/testing.ts';
import { compactReportMessage, createSnsEmitter, MAX_MESSAGE_BYTES } from './index.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alertwarden-reports';
const ctx = makeEmitContext();

const setup = () => {
  const client = new SNSClient({ region: 'eu-west-1' });
  const sns = mockClient(client);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return { sns, emitter: createSnsEmitter({ topicArn: TOPIC, client }) };
};

const attributes = (severity: string, phase: string, id: string) => ({
  severity: { DataType: 'String', StringValue: severity },
  phase: { DataType: 'String', StringValue: phase },
  report_id: { DataType: 'String', StringValue: id },
});

/** A report whose JSON is over the limit: 150 attributes of ~2 KB. */
const largeReport = (alertCount: number): Report =>
  makeReport({
    version: 3,
    phase: 'final',
    verdict: { severity: 'critical', reason: 'r' },
    alerts: Array.from({ length: alertCount }, (_, i) => makeAlert({ description: `${i}` })),
    attributes: Array.from({ length: 150 }, (_, i) => makeAttribute({ type: 'username', key: `k${i}`, value: 'x'.repeat(2000) })),
  });

describe('sns emitter', () => {
  test('publishes the full report with filterable message attributes', async () => {
    const { sns, emitter } = setup();
    const report = makeReport({ phase: 'final', verdict: { severity: 'high', reason: 'listed' } });
    const result = await emitter.emit(report, ctx);
    assert.deepEqual(result, { status: 'delivered', detail: 'SNS message m-1' });
    assert.equal(sns.commandCalls(PublishCommand).length, 1);
    assert.deepEqual(sns.commandCalls(PublishCommand)[0]?.args[0].input, {
      TopicArn: TOPIC,
      Message: JSON.stringify(report),
      MessageAttributes: attributes('high', 'final', report.id),
    });
  });

  test('a report not reviewed yet is published as unclassified', async () => {
    const { sns, emitter } = setup();
    const report = makeReport();
    await emitter.emit(report, ctx);
    assert.deepEqual(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes, attributes('unclassified', 'preliminary', report.id));
  });

  test('a report over 240 KB is published in compact form', async () => {
    const { sns, emitter } = setup();
    const report = largeReport(2);
    assert.ok(Buffer.byteLength(JSON.stringify(report)) > MAX_MESSAGE_BYTES);
    const result = await emitter.emit(report, ctx);
    assert.equal(result.detail, 'SNS message m-1, compact form: the report is too large for SNS');
    assert.deepEqual(sns.commandCalls(PublishCommand)[0]?.args[0].input, {
      TopicArn: TOPIC,
      Message: JSON.stringify({
        id: report.id,
        alertId: report.alertId,
        version: 3,
        phase: 'final',
        detector: 'example-detector',
        rule_id: 'example-rule',
        verdict: { severity: 'critical', reason: 'r' },
        counts: { alerts: 2, attributes: 150, findings: 0, inspectionFailures: 0 },
        truncated: true,
        note: 'The full report is too large for SNS; it is in the report archive under this id and version.',
        alertIds: report.alerts.map((a) => a.fingerprint),
      }),
      MessageAttributes: attributes('critical', 'final', report.id),
    });
  });

  test('the compact form itself stays under the limit, listing as many alert ids as fit', () => {
    const report = largeReport(10_000);
    const message = compactReportMessage(report);
    assert.ok(Buffer.byteLength(message) <= MAX_MESSAGE_BYTES);
    const parsed = JSON.parse(message) as { alertIds: string[]; alertIdsOmitted: number };
    assert.ok(parsed.alertIds.length > 5_000, 'uses the room it has');
    assert.equal(parsed.alertIds.length + parsed.alertIdsOmitted, 10_000);
    assert.deepEqual(parsed.alertIds, report.alerts.slice(0, parsed.alertIds.length).map((a) => a.fingerprint));
  });

  test('SNS errors propagate so the pipeline can retry', async () => {
    const client = new SNSClient({ region: 'eu-west-1' });
    mockClient(client).on(PublishCommand).rejects(new Error('Throttling'));
    await assert.rejects(Promise.resolve(createSnsEmitter({ topicArn: TOPIC, client }).emit(makeReport(), ctx)), /Throttling/);
  });
});
