import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alertsFromDocument } from '../index.ts';
import { fixture } from '../testing.ts';
import { asffSeverity } from './index.ts';

const valuesOf = (attributes: { type: string; key: string; value: string }[]) => attributes.map((a) => `${a.type} ${a.key}=${a.value}`);

describe('Security Hub findings (ASFF)', () => {
  test('a "Security Hub Findings - Imported" event: one alert per detail.findings[] entry, keyed by the finding Id', () => {
    const outcome = alertsFromDocument(fixture('securityhub', 'eventbridge-imported-guardduty.json'));
    assert.deepEqual(outcome.rejections, []);
    assert.equal(outcome.alerts.length, 1);
    const { alert, source, path } = outcome.alerts[0]!;
    assert.equal(source, 'securityhub');
    assert.equal(path, 'detail.findings[0]');
    assert.equal(alert.detector, 'securityhub');
    // GuardDuty's GeneratorId is its detector ARN, the same for every finding: the type names the rule.
    assert.equal(alert.rule_id, 'TTPs/Command and Control/UnauthorizedAccess:EC2-TorClient');
    assert.equal(alert.alert_key, 'arn:aws:guardduty:us-east-1:123456789012:detector/f2baedb0ac74f8f42fc929e15f56da6a/finding/5ec4a0e1b2d3c4f5a6b7c8d9e0f1a2b3');
    assert.deepEqual(alert.source_severity, { level: 'high', raw: 'HIGH' });
    const values = valuesOf(alert.attributes);
    for (const expected of [
      'aws_account_id account=123456789012',
      'aws_instance_id instance_id=i-0a1b2c3d4e5f67890',
      'ipaddr instance_ip=203.0.113.10',
      'ipaddr remote_ip=192.0.2.99',
      'port remote_port=9001',
      'ipaddr local_ip=10.0.1.25',
    ]) {
      assert.ok(values.includes(expected), `${expected} in ${values.join(', ')}`);
    }
    // Direction OUT: the destination is the remote end.
    assert.deepEqual(alert.attributes.find((a) => a.key === 'remote_ip')?.context, ['remote']);
  });

  test('`aws securityhub get-findings` output: each finding mapped, skipped or refused on its own', () => {
    const outcome = alertsFromDocument(fixture('securityhub', 'get-findings-controls.json'));
    assert.deepEqual(
      outcome.alerts.map((a) => [a.path, a.alert.rule_id, a.alert.source_severity?.level]),
      [
        ['Findings[0]', 'IAM.4', 'critical'],
        ['Findings[3]', 'AWSInspector', 'medium'],
      ],
    );
    assert.deepEqual(outcome.skipped.map((s) => s.path), ['Findings[1]']);
    assert.match(outcome.skipped[0]!.reason, /workflow status RESOLVED/);
    assert.equal(outcome.rejections.length, 1);
    assert.deepEqual(outcome.rejections[0]!.issues.map((i) => i.path), ['Findings[2].Id', 'Findings[2].GeneratorId']);
    assert.match(outcome.rejections[0]!.excerpt, /A finding without Id and GeneratorId/, "the excerpt is the refused finding's own JSON");

    const inspector = outcome.alerts[1]!.alert;
    assert.deepEqual(inspector.source_severity, { level: 'medium', raw: 45 });
    const values = valuesOf(inspector.attributes);
    for (const expected of [
      'aws_access_key_id access_key_id=AKIAZ4EXAMPLEKEY1234',
      'username user_name=deploy-bot',
      'aws_arn role_arn=arn:aws:iam::123456789012:role/deploy',
      'domain threat_intel=c2.attacker.example',
      'filehash threat_intel=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]) {
      assert.ok(values.includes(expected), `${expected} in ${values.join(', ')}`);
    }
    assert.deepEqual(inspector.unverified?.map((u) => u.value), ['not-an-ip']);
    assert.ok(valuesOf(outcome.alerts[0]!.alert.attributes).includes('aws_account_id account=123456789012'));
  });

  test('severity from Label, else from the Normalized bands', () => {
    assert.deepEqual(asffSeverity({ Label: 'INFORMATIONAL', Normalized: 0 }), { level: 'info', raw: 'INFORMATIONAL' });
    assert.deepEqual(
      [0, 1, 39, 40, 69, 70, 89, 90, 100].map((n) => asffSeverity({ Normalized: n })?.level),
      ['info', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical'],
    );
    assert.equal(asffSeverity({ Label: 'SEVERE' }), undefined);
  });

  test('asked for GuardDuty, a Security Hub event is refused as such', () => {
    const outcome = alertsFromDocument(fixture('securityhub', 'eventbridge-imported-guardduty.json'), { source: 'guardduty' });
    assert.deepEqual(outcome.alerts, []);
    assert.match(outcome.rejections[0]?.reason ?? '', /expected a GuardDuty finding \(--source guardduty\), found an EventBridge "Security Hub Findings - Imported" event/);
  });
});
