/**
 * What security tools really send, end to end: an EventBridge GuardDuty event and a Security
 * Hub event published to the alert topic (SNS envelope, SQS, the real ingest handler) become
 * reports the default policy rates by the tool's own severity.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { alertIdOf } from '../../core/ids.ts';
import type { Report } from '../../core/report.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { fixture } from '../../sources/testing.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let runtime: LocalRuntime;

const finalReportsFor = async (alertId: string): Promise<Report[]> =>
  (await pipeline.emitted()).filter((r) => r.alertId === alertId && r.phase === 'final');

beforeAll(async () => {
  pipeline = await startTestPipeline();
  runtime = pipeline.runtime;
});

afterAll(async () => {
  await pipeline?.stop();
});

describe('GuardDuty and Security Hub through the alert topic', () => {
  test('a GuardDuty severity-8 finding in its EventBridge envelope, and an update of it, reach one high report through the default policy', async (t) => {
    const event = fixture('guardduty', 'eventbridge-credential-exfiltration.json');
    const detail = event.detail as Record<string, unknown>;
    const update = { ...event, id: 'second-event', detail: { ...detail, updatedAt: '2024-05-02T14:34:31.602Z', service: { ...(detail.service as object), count: 9 } } };
    await runtime.publish([JSON.stringify(event), JSON.stringify(update)]);
    await runtime.drain();

    const alertId = alertIdOf({ detector: 'guardduty', rule_id: String(detail.type), alert_key: String(detail.id) });
    const reports = await finalReportsFor(alertId);
    const last = reports.at(-1);
    reportAlertMetrics(t, { sent: 2, inReports: last?.alerts.length ?? 0 });
    assert.ok(last, 'a final report for the finding');
    assert.equal(last.alerts.length, 2, 'both events of the finding joined one report');
    assert.equal(last.verdict?.severity, 'high');
    assert.equal(last.verdict?.reason, 'guardduty rates UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS high (8) (alerts: 2)');
    assert.deepEqual(last.alerts[0]?.source_severity, { level: 'high', raw: 8 });
    const values = last.attributes.map((a) => `${a.type}=${a.value}`);
    assert.ok(values.includes('aws_access_key_id=ASIAZ4EXAMPLE7QKXJ2L') && values.includes('ipaddr=198.51.100.23'), values.join(', '));
    assert.deepEqual(await runtime.rejections(), []);
  });

  test("a sample finding's placeholder access key stays a note in the report, and is never inspected", async () => {
    const finding = fixture('guardduty', 'sample-backdoor-dns.json');
    await runtime.publish([JSON.stringify(finding)]);
    await runtime.drain();
    const [report] = await finalReportsFor(alertIdOf({ detector: 'guardduty', rule_id: String(finding.type), alert_key: String(finding.id) }));
    assert.ok(report, 'the finding made a report');
    assert.deepEqual(report.alerts[0]?.unverified?.map((u) => u.value), ['GeneratedFindingAccessKeyId']);
    assert.ok(!report.attributes.some((a) => a.value === 'GeneratedFindingAccessKeyId'));
    assert.equal(report.verdict?.severity, 'high');
  });

  test('a Security Hub event: each finding its own report; a finding without an Id is refused by its path; a passed control is skipped', async () => {
    const event = fixture('securityhub', 'eventbridge-imported-guardduty.json');
    const [guardDutyFinding] = (event.detail as { findings: Record<string, unknown>[] }).findings;
    const { Findings: controls } = fixture('securityhub', 'get-findings-controls.json') as { Findings: Record<string, unknown>[] };
    const batch = { ...event, id: 'batched', detail: { findings: [guardDutyFinding, controls[2], controls[0], controls[1]] } };
    await runtime.publish([JSON.stringify(batch)]);
    await runtime.drain();

    const tor = await finalReportsFor(alertIdOf({ detector: 'securityhub', rule_id: 'TTPs/Command and Control/UnauthorizedAccess:EC2-TorClient', alert_key: String(guardDutyFinding!.Id) }));
    const rootKey = await finalReportsFor(alertIdOf({ detector: 'securityhub', rule_id: 'IAM.4', alert_key: String(controls[0]!.Id) }));
    assert.equal(tor.at(-1)?.verdict?.severity, 'high');
    assert.equal(rootKey.at(-1)?.verdict?.severity, 'critical');
    const passed = await finalReportsFor(alertIdOf({ detector: 'securityhub', rule_id: 'S3.8', alert_key: String(controls[1]!.Id) }));
    assert.deepEqual(passed, [], 'a passed control makes no report');
    const rejections = (await runtime.rejections()).filter((r) => r.item?.startsWith('detail.findings'));
    assert.deepEqual(
      rejections.map((r) => [r.item, r.issues.map((i) => i.path)]),
      [['detail.findings[1]', ['detail.findings[1].Id', 'detail.findings[1].GeneratorId']]],
    );
    assert.match(rejections[0]!.excerpt, /A finding without Id and GeneratorId/);
  });
});
