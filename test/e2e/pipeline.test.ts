/**
 * End to end on this machine: alerts published as SNS envelopes through SQS into the real
 * ingest handler, the ASL run by the local engine, DynamoDB and S3 on loopback servers,
 * reports read back from the file emitter's JSONL output.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AlertInput } from '../../core/alert.ts';
import { snsEnvelopeOf, sqsRecordOf, type LocalRuntime } from '../../local/runtime.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let runtime: LocalRuntime;
let seq = 0;

const alert = (overrides: Partial<AlertInput> = {}): AlertInput => ({
  detector: 'e2e',
  rule_id: 'scanner-contact',
  alert_key: `key-${++seq}`,
  description: 'inbound connection from a scanner',
  timestamp: new Date(Date.UTC(2026, 10, 23, 0, 0, seq)).toISOString(),
  attributes: [{ type: 'ipaddr', key: 'remote address', value: '192.0.2.10', context: ['remote'] }],
  ...overrides,
});

const emittedFor = async (key: string) => (await pipeline.emitted()).filter((r) => r.alert_key === key);
const finalFor = async (key: string) => (await emittedFor(key)).filter((r) => r.phase === 'final');

const publish = async (...alerts: unknown[]) => {
  await runtime.publish(alerts.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))));
  await runtime.drain();
};

beforeAll(async () => {
  pipeline = await startTestPipeline();
  runtime = pipeline.runtime;
});

afterAll(async () => {
  await pipeline?.stop();
});

describe('core pipeline, locally end to end', () => {
  test('one alert becomes one reviewed report with a blocklist finding, emitted to the file emitter', async () => {
    const a = alert({ attributes: [{ type: 'ipaddr', key: 'remote address', value: '203.0.113.9', context: ['remote'] }] });
    await publish(a);
    const finals = await finalFor(a.alert_key!);
    assert.equal(finals.length, 1);
    const report = finals[0]!;
    assert.equal(report.alerts.length, 1);
    const listed = report.findings.filter((f) => f.inspector === 'blocklist');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.source, 'known-bad');
    assert.equal(listed[0]!.attribute.value, '203.0.113.9');
    // The other built-in inspectors: geoip labels the documentation address instead of looking it up; it is not AWS's.
    assert.deepEqual(report.findings.filter((f) => f !== listed[0]).map((f) => `${f.inspector}: ${f.title}`), ['geoip: documentation address, not looked up']);
    assert.equal(report.verdict?.severity, 'high');
    assert.match(report.verdict!.reason, /known-bad/);
  });

  test('an alert that matches nothing is still reviewed and emitted, by the policy default', async () => {
    const a = alert();
    await publish(a);
    const [report] = await finalFor(a.alert_key!);
    assert.ok(report);
    assert.deepEqual(report.findings.map((f) => `${f.inspector}: ${f.verdict}: ${f.title}`), ['geoip: info: documentation address, not looked up']);
    assert.equal(report.verdict?.severity, 'unclassified');
    assert.equal((await emittedFor(a.alert_key!)).length, 1, 'below the paging threshold nothing is emitted before the final review');
  });

  test('three alerts with one key aggregate into one report; two keys make two reports', async () => {
    const one = alert();
    const two = alert();
    const sameKey = [1, 2, 3].map((n) => ({ ...one, timestamp: new Date(Date.UTC(2026, 10, 23, 1, 0, n)).toISOString() }));
    await publish(...sameKey, two);
    const reportsOne = await finalFor(one.alert_key!);
    assert.equal(reportsOne.length, 1);
    assert.equal(reportsOne[0]!.alerts.length, 3);
    assert.equal(new Set(reportsOne[0]!.alerts.map((x) => x.timestamp)).size, 3);
    const reportsTwo = await finalFor(two.alert_key!);
    assert.equal(reportsTwo.length, 1);
    assert.notEqual(reportsTwo[0]!.id, reportsOne[0]!.id);
  });

  test('the same SQS message delivered three times and the same alert published twice count once', async (t) => {
    const a = alert();
    const record = sqsRecordOf(snsEnvelopeOf(JSON.stringify(a)));
    for (let i = 0; i < 3; i++) await runtime.deliver([record]);
    await runtime.publish([JSON.stringify(a)]);
    await runtime.drain();
    const finals = await finalFor(a.alert_key!);
    reportAlertMetrics(t, { sent: 1, inReports: finals.length === 1 && finals[0]!.alerts.length === 1 ? 1 : 0 });
    assert.equal(finals.length, 1);
    assert.equal(finals[0]!.alerts.length, 1);
    assert.equal(runtime.engine.executionCount > 0, true);
  });

  test('an alert arriving after the review re-opens the report: re-inspected, re-reviewed, an update emitted', async () => {
    const first = alert();
    await publish(first);
    const [before] = await finalFor(first.alert_key!);
    assert.ok(before);
    const late = {
      ...first,
      timestamp: new Date(Date.UTC(2026, 10, 23, 2, 0, 0)).toISOString(),
      attributes: [{ type: 'domain', key: 'callback', value: 'beacon.evil.example', context: ['remote'] }],
    };
    await publish(late);
    const finals = await finalFor(first.alert_key!);
    assert.equal(finals.length, 2, 'the update is a second final emission of the same report');
    const update = finals[1]!;
    assert.equal(update.id, before.id);
    assert.ok(update.version > before.version);
    assert.equal(update.alerts.length, 2);
    assert.ok(update.findings.some((f) => f.attribute.value === 'beacon.evil.example' && f.source === 'known-bad'));
    assert.equal(update.verdict?.severity, 'high');
    // With a wait of 0 the conclusion follows the triage at once, so the round skips the triage:
    // no preliminary page before the final update (test/e2e/fast-path.test.ts has the page with a wait).
    const all = await emittedFor(first.alert_key!);
    assert.deepEqual(
      all.map((r) => [r.phase, r.verdict?.severity]),
      [['final', 'unclassified'], ['final', 'high']],
    );
    assert.deepEqual(update.previous, { version: before.version, phase: 'final', severity: 'unclassified', alertCount: 1 });
  });

  test('in a batch, an unidentifiable alert is rejected with the field and reason, one bad attribute only becomes a note; the rest all become reports', async () => {
    const valid = [alert(), alert(), alert()];
    const oddAttribute = alert({
      attributes: [
        { type: 'ipaddr', key: 'remote', value: '999.1.1.1', context: [] },
        { type: 'ipaddr', key: 'remote', value: '198.51.100.77', context: ['remote'] },
      ],
    });
    const rejectedBefore = runtime.metrics.get('AlertsRejected');
    await publish(valid[0], oddAttribute, 'this is not json', valid[1], { rule_id: 'no-detector' }, valid[2]);
    for (const v of valid) assert.equal((await finalFor(v.alert_key!)).length, 1, `report for ${v.alert_key}`);
    const [kept] = await finalFor(oddAttribute.alert_key!);
    assert.ok(kept, 'the alert with one bad attribute still makes a report');
    assert.deepEqual(kept.attributes.map((a) => a.value), ['198.51.100.77'], 'only the valid attribute is inspected');
    assert.deepEqual(kept.alerts[0]?.unverified, [{ type: 'ipaddr', key: 'remote', value: '999.1.1.1', reason: 'value is not an IPv4 or IPv6 address' }]);
    const rejections = await runtime.rejections();
    const reasons = rejections.map((r) => r.reason);
    assert.equal(rejections.length, 2, `got ${reasons.join(' | ')}`);
    assert.ok(rejections.some((r) => r.issues.some((i) => i.path === 'detector' && i.message === 'detector is required')), `got ${reasons.join(' | ')}`);
    assert.ok(reasons.some((r) => /not valid JSON/.test(r)), `got ${reasons.join(' | ')}`);
    // The excerpt quotes what the tool published, not the SNS envelope around it.
    assert.ok(rejections.some((r) => r.excerpt === 'this is not json'), `got ${rejections.map((r) => r.excerpt).join(' | ')}`);
    assert.equal(runtime.deadLetters.length, 0, 'invalid input is recorded, not retried into the DLQ');
    const rejectedCounted = runtime.metrics.get('AlertsRejected') - rejectedBefore;
    assert.equal(rejectedCounted, 2, `AlertsRejected counted ${rejectedCounted} for 2 refused messages (the metric the rejected-alerts alarm watches)`);
  });
});
