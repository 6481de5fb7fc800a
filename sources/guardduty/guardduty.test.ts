import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { ALERT_LIMITS } from '../../core/alert.ts';
import { alertFingerprintOf, alertIdOf } from '../../core/ids.ts';
import { alertsFromDocument, findingSourceOf } from '../index.ts';
import { fixture } from '../testing.ts';
import { guardDutySeverity } from './index.ts';

const only = (document: unknown) => {
  const outcome = alertsFromDocument(document);
  assert.deepEqual(outcome.rejections, [], 'no rejection');
  assert.equal(outcome.alerts.length, 1);
  return outcome.alerts[0]!;
};
const valuesOf = (attributes: { type: string; key: string; value: string }[]) => attributes.map((a) => `${a.type} ${a.key}=${a.value}`);

describe('GuardDuty findings', () => {
  test('an EventBridge "GuardDuty Finding" event: one alert keyed by the finding id, the access key, role and remote IP as attributes', () => {
    const { alert, source, path } = only(fixture('guardduty', 'eventbridge-credential-exfiltration.json'));
    assert.equal(source, 'guardduty');
    assert.equal(path, 'detail');
    assert.equal(alert.detector, 'guardduty');
    assert.equal(alert.rule_id, 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS');
    assert.equal(alert.alert_key, 'b2c6d0a1f4e8e3c2a1b0c9d8e7f6a5b4');
    assert.equal(alert.timestamp, '2024-05-02T14:04:31.602Z');
    assert.deepEqual(alert.source_severity, { level: 'high', raw: 8 });
    assert.deepEqual(valuesOf(alert.attributes), [
      'aws_account_id account=123456789012',
      'aws_access_key_id access_key_id=ASIAZ4EXAMPLE7QKXJ2L',
      'username user_name=web-server-role',
      'aws_arn role_arn=arn:aws:iam::123456789012:role/web-server-role',
      'ipaddr remote_ip=198.51.100.23',
    ]);
    assert.equal((alert.body as { id: string }).id, alert.alert_key, 'the finding is kept as the body');
  });

  test('a raw port-probe finding: the instance, its IPs and every probing IP and probed port', () => {
    const { alert, path } = only(fixture('guardduty', 'raw-port-probe.json'));
    assert.equal(path, '');
    assert.deepEqual(alert.source_severity, { level: 'low', raw: 2 });
    assert.deepEqual(valuesOf(alert.attributes), [
      'aws_account_id account=123456789012',
      'aws_instance_id instance_id=i-0a1b2c3d4e5f67890',
      'aws_arn instance_profile_arn=arn:aws:iam::123456789012:instance-profile/web-server',
      'ipaddr public_ip=203.0.113.10',
      'ipaddr private_ip=10.0.1.25',
      'ipaddr remote_ip=192.0.2.44',
      'port local_port=22',
      'ipaddr remote_ip=192.0.2.45',
      'port local_port=3389',
    ]);
    assert.deepEqual(alert.attributes.find((a) => a.key === 'remote_ip')?.context, ['remote']);
  });

  test("a sample finding's placeholder access key is an unverified note; the alert and the rest survive", () => {
    const { alert } = only(fixture('guardduty', 'sample-backdoor-dns.json'));
    assert.deepEqual(alert.unverified, [
      { type: 'aws_access_key_id', key: 'access_key_id', value: 'GeneratedFindingAccessKeyId', reason: 'value is not an access key id (AKIA…/ASIA…)' },
    ]);
    assert.ok(valuesOf(alert.attributes).includes('aws_instance_id instance_id=i-99999999'));
    assert.deepEqual(alert.source_severity, { level: 'high', raw: 8 });
  });

  test('severity 9 and above is critical; IPv6 and domain callers are attributes', () => {
    const { alert } = only(fixture('guardduty', 'raw-root-critical.json'));
    assert.deepEqual(alert.source_severity, { level: 'critical', raw: 9.5 });
    assert.ok(valuesOf(alert.attributes).includes('ipaddr remote_ip=2001:db8::44'));
    assert.ok(valuesOf(alert.attributes).includes('domain remote_domain=attacker.example'));
  });

  test("GuardDuty's documented severity bands", () => {
    const levels = [0.5, 1, 3.9, 4, 6.9, 7, 8.9, 9, 10, '8'].map((s) => guardDutySeverity(s)?.level);
    assert.deepEqual(levels, ['info', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical', 'high']);
    assert.equal(guardDutySeverity('HIGH'), undefined);
    assert.equal(guardDutySeverity(undefined), undefined);
  });

  test('an update of the same finding joins its report (same alert id) as a new occurrence (new fingerprint)', () => {
    const first = fixture('guardduty', 'raw-port-probe.json');
    const update = { ...first, updatedAt: '2024-05-01T12:21:00.000Z', service: { ...(first.service as object), count: 13 } };
    const [a, b] = [only(first).alert, only(update).alert];
    assert.equal(alertIdOf(a), alertIdOf(b));
    assert.notEqual(alertFingerprintOf(a), alertFingerprintOf(b));
  });

  test('an archived finding is skipped, not an alert and not an error', () => {
    const outcome = alertsFromDocument(fixture('guardduty', 'archived.json'));
    assert.deepEqual(outcome.alerts, []);
    assert.deepEqual(outcome.rejections, []);
    assert.match(outcome.skipped[0]?.reason ?? '', /archived/);
  });

  test('a finding without a type is refused, naming the field', () => {
    const outcome = alertsFromDocument(fixture('guardduty', 'no-type.json'));
    assert.deepEqual(outcome.rejections[0]?.issues, [{ path: 'type', message: 'type is required (the GuardDuty finding type)' }]);
  });

  test('a finding too big for the body keeps a summary instead of being lost', () => {
    const finding = { ...fixture('guardduty', 'raw-port-probe.json'), description: 'x'.repeat(ALERT_LIMITS.bodyBytes) };
    const { alert } = only(finding);
    assert.equal((alert.body as { truncated?: boolean }).truncated, true);
    assert.equal(alert.description?.length, ALERT_LIMITS.descriptionChars);
  });

  test('`aws guardduty get-findings` output (PascalCase) makes the same alerts as the camelCase findings', () => {
    const cli = fixture('guardduty', 'cli-get-findings.json');
    assert.equal(findingSourceOf(cli), 'guardduty');
    for (const options of [{}, { source: 'guardduty' as const }]) {
      const outcome = alertsFromDocument(cli, options);
      assert.deepEqual(outcome.rejections, []);
      assert.deepEqual(outcome.alerts.map((a) => [a.source, a.path]), [['guardduty', 'Findings[0]'], ['guardduty', 'Findings[1]']]);
      assert.deepEqual(outcome.alerts[0]!.alert, only(fixture('guardduty', 'raw-port-probe.json')).alert);
      assert.deepEqual(outcome.alerts[1]!.alert, only(fixture('guardduty', 'eventbridge-credential-exfiltration.json')).alert);
    }
    const refused = alertsFromDocument(cli, { source: 'securityhub' });
    assert.match(refused.rejections[0]?.reason ?? '', /expected a Security Hub finding .* found a GuardDuty finding/);
  });

  test('one PascalCase finding alone, and the API\'s own {"findings": [...]}, are read too', () => {
    const [first] = (fixture('guardduty', 'cli-get-findings.json').Findings as unknown[]) as Record<string, unknown>[];
    const expected = only(fixture('guardduty', 'raw-port-probe.json')).alert;
    assert.deepEqual(only(first).alert, expected);
    const api = alertsFromDocument({ findings: [fixture('guardduty', 'raw-port-probe.json')] });
    assert.deepEqual(api.alerts.map((a) => [a.path, a.alert]), [['findings[0]', expected]]);
  });

  test('a PascalCase finding without a Type is refused with the field as the user spelled it', () => {
    const [first] = (fixture('guardduty', 'cli-get-findings.json').Findings as unknown[]) as Record<string, unknown>[];
    const { Type: _type, ...untyped } = first!;
    const outcome = alertsFromDocument({ Findings: [untyped] });
    assert.deepEqual(outcome.rejections[0]?.issues, [{ path: 'Findings[0].Type', message: 'Type is required (the GuardDuty finding type)' }]);
  });

  test('Security Hub\'s own {"Findings": [...]} (ASFF, PascalCase too) is still Security Hub\'s', () => {
    const asff = fixture('securityhub', 'get-findings-controls.json');
    assert.equal(findingSourceOf(asff), 'securityhub');
    assert.ok(alertsFromDocument(asff).alerts.every((a) => a.source === 'securityhub'));
  });
});
