import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alertFingerprintOf, alertIdOf } from '../../core/ids.ts';
import { alertsFromDocument, findingSourceOf } from '../index.ts';
import { fixture } from '../testing.ts';
import { ocsfSeverity } from './ocsf.ts';

const valuesOf = (attributes: { type: string; key: string; value: string; context?: string[] }[]) => attributes.map((a) => `${a.type} ${a.key}=${a.value} ${a.context?.join(',')}`);
const event = () => fixture('securityhub', 'eventbridge-ocsf-detection.json') as { detail: { findings: Record<string, unknown>[] } } & Record<string, unknown>;
const withFinding = (change: (f: Record<string, unknown>) => void) => {
  const e = event();
  change(e.detail.findings[0]!);
  return e;
};

describe('Security Hub findings (OCSF, "Findings Imported V2")', () => {
  test('one alert per detail.findings[] entry: finding uid as alert_key, the type as rule, severity_id as the source severity, resources and evidence as attributes', () => {
    const doc = event();
    assert.equal(findingSourceOf(doc), 'securityhub');
    for (const options of [{}, { source: 'securityhub' as const }]) {
      const outcome = alertsFromDocument(doc, options);
      assert.deepEqual([outcome.rejections, outcome.skipped], [[], []]);
      assert.equal(outcome.alerts.length, 1);
      const { alert, source, path } = outcome.alerts[0]!;
      assert.deepEqual([source, path], ['securityhub', 'detail.findings[0]']);
      assert.equal(alert.detector, 'securityhub');
      assert.equal(alert.rule_id, 'Backdoor:EC2/C&CActivity.B!DNS');
      assert.equal(alert.alert_key, 'arn:aws:guardduty:us-east-1:111122223333:detector/f2baedb0ac74f8f42fc929e15f56da6a/finding/8ac7d0e2b4f6a8c0e2d4f6a8b0c2e4f6');
      assert.equal(alert.rule_name, 'EC2 instance is querying a domain name associated with a known command and control server.');
      assert.equal(alert.timestamp, '2026-11-20T10:21:07.000Z');
      assert.deepEqual(alert.source_severity, { level: 'high', raw: 'High' });
      assert.deepEqual(valuesOf(alert.attributes), [
        'aws_account_id account=111122223333 local',
        'aws_instance_id instance_id=i-0a1b2c3d4e5f67890 local',
        'aws_arn resource_arn=arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f67890 local',
        'ipaddr source_ip=10.0.1.25 client',
        'port source_port=53124 client',
        'ipaddr destination_ip=198.51.100.23 server',
        'port destination_port=53 server',
        'domain destination_domain=c2.evil.example server',
        'domain observable=c2.evil.example additional',
        'ipaddr observable=198.51.100.23 additional',
      ]);
      assert.equal((alert.body as { class_uid: number }).class_uid, 2004, 'the finding is the body');
    }
    assert.match(alertsFromDocument(doc, { source: 'guardduty' }).rejections[0]?.reason ?? '', /expected a GuardDuty finding/);
  });

  test('an update of the finding joins its report (same alert id) as a new occurrence', () => {
    const first = alertsFromDocument(event()).alerts[0]!.alert;
    const update = alertsFromDocument(
      withFinding((f) => {
        f.activity_id = 2;
        f.activity_name = 'Update';
        (f.finding_info as Record<string, unknown>).modified_time_dt = '2026-11-20T11:02:00.000Z';
      }),
    ).alerts[0]!.alert;
    assert.equal(alertIdOf(first), alertIdOf(update));
    assert.notEqual(alertFingerprintOf(first), alertFingerprintOf(update));
  });

  test('a closed, resolved or suppressed finding and a passed control are skipped, not alerts', () => {
    const cases: [string, (f: Record<string, unknown>) => void, RegExp][] = [
      ['closed', (f) => Object.assign(f, { activity_id: 3, activity_name: 'Close' }), /closed/],
      ['resolved', (f) => Object.assign(f, { status: 'Resolved', status_id: 4 }), /status Resolved/],
      ['suppressed', (f) => Object.assign(f, { status: 'Suppressed', status_id: 3 }), /status Suppressed/],
      ['passed', (f) => Object.assign(f, { class_uid: 2003, class_name: 'Compliance Finding', compliance: { control: 'S3.1', status: 'Pass', status_id: 1 } }), /control passed/],
    ];
    for (const [name, change, reason] of cases) {
      const outcome = alertsFromDocument(withFinding(change));
      assert.deepEqual(outcome.alerts, [], name);
      assert.match(outcome.skipped[0]?.reason ?? '', reason, name);
    }
  });

  test('a failed control is named by its control id', () => {
    const failed = withFinding((f) => Object.assign(f, { class_uid: 2003, class_name: 'Compliance Finding', compliance: { control: 'S3.1', status: 'Fail', status_id: 3 } }));
    assert.equal(alertsFromDocument(failed).alerts[0]?.alert.rule_id, 'S3.1');
  });

  test('a finding without finding_info.uid is refused naming the field', () => {
    const outcome = alertsFromDocument(withFinding((f) => delete (f.finding_info as Record<string, unknown>).uid));
    assert.deepEqual(outcome.rejections[0]?.issues, [{ path: 'detail.findings[0].finding_info.uid', message: 'finding_info.uid is required (the OCSF finding uid)' }]);
  });

  test('OCSF severity: severity_id first, its caption otherwise; Unknown and Other say nothing', () => {
    const levels = [1, 2, 3, 4, 5, 6, 0, 99].map((id) => ocsfSeverity({ severity_id: id })?.level);
    assert.deepEqual(levels, ['info', 'low', 'medium', 'high', 'critical', 'critical', undefined, undefined]);
    assert.deepEqual(ocsfSeverity({ severity: 'Critical' }), { level: 'critical', raw: 'Critical' });
    assert.deepEqual(ocsfSeverity({ severity_id: 2 }), { level: 'low', raw: 2 });
  });
});
