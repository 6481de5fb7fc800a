/**
 * Hostile GuardDuty findings: text a finding carries comes from the attacker's side (the
 * remote domain, a user name, a title quoting them), so it must reach a summary defused;
 * placeholders and nonsense in typed fields become notes; an unusable identity is refused
 * naming the finding's own field.
 */
import assert from 'node:assert/strict';
import { hostileCase, neutralised, rejected } from '../../test/corpus/registry.ts';

let serial = 0;
const event = (detail: Record<string, unknown>) => ({
  message: JSON.stringify({
    version: '0',
    id: `hostile-${++serial}`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '123456789012',
    region: 'us-east-1',
    detail: {
      schemaVersion: '2.0',
      accountId: '123456789012',
      region: 'us-east-1',
      id: `hostile-finding-${serial}`,
      type: 'Recon:EC2/Portscan',
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0a1b2c3d4e5f67890' } },
      service: { serviceName: 'guardduty', action: {} },
      severity: 5,
      ...detail,
    },
  }),
});

hostileCase({
  name: 'guardduty: chat mention and bidi override in the title and a user name',
  input: event({
    title: 'Probe from <!channel> evil\u202eelpmaxe.com',
    resource: { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: 'AKIAZ4EXAMPLEKEY1234', userName: '<@U123> admin\u200b', userType: 'IAMUser' } },
  }),
  expect: neutralised(({ report }) => assert.equal(report.detector, 'guardduty')),
});
hostileCase({
  name: 'guardduty: markup and a line break in the remote domain',
  input: event({ service: { serviceName: 'guardduty', action: { dnsRequestAction: { domain: 'evil.example/<script>\nINFO ok' } } } }),
  expect: neutralised(({ report }) => {
    assert.deepEqual(report.alerts[0]?.unverified?.map((u) => u.key), ['remote_domain']);
    assert.ok(!report.attributes.some((a) => a.key === 'remote_domain'), 'never inspected');
  }),
});
hostileCase({
  name: 'guardduty: a port that is not one and an IP that is a CIDR',
  input: event({
    service: {
      serviceName: 'guardduty',
      action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '10.0.0.0/8' }, remotePortDetails: { port: 70000 } } },
    },
  }),
  expect: neutralised(({ report }) => assert.deepEqual(report.alerts[0]?.unverified?.map((u) => u.key).sort(), ['remote_ip', 'remote_port'])),
});
hostileCase({
  name: 'guardduty: severity as text and a nonsense timestamp are dropped, not fatal',
  input: event({ severity: 'HIGH; DROP TABLE', updatedAt: 'yesterday' }),
  expect: neutralised(({ report }) => assert.equal(report.alerts[0]?.source_severity, undefined)),
});
hostileCase({
  name: 'guardduty: finding type with a NUL (alert-id collision)',
  input: event({ type: 'Recon:EC2/Portscan\u0000x' }),
  expect: rejected('detail', /^the alert mapped from this guardduty item is invalid: rule_id: rule_id must not contain control characters$/),
});
hostileCase({
  name: 'guardduty: finding id that is an object',
  input: event({ id: { $ne: null } }),
  expect: rejected('detail.id', 'id is required (the GuardDuty finding id)'),
});
hostileCase({
  name: 'guardduty: CLI (PascalCase) output with a "__proto__" key and a NUL in a member name stays plain data',
  input: {
    message: `{"Findings":[{"SchemaVersion":"2.0","AccountId":"123456789012","Id":"hostile-cli-1","Type":"Recon:EC2/Portscan","Severity":5,"__proto__":{"Polluted":true},"Res\\u0000ource":{},"Resource":{"ResourceType":"Instance","InstanceDetails":{"InstanceId":"i-0a1b2c3d4e5f67890"}},"Service":{"ServiceName":"guardduty","Action":{}}}]}`,
  },
  expect: neutralised(({ report }) => {
    assert.equal(report.detector, 'guardduty');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(report.attributes.some((a) => a.value === 'i-0a1b2c3d4e5f67890'));
  }),
});
