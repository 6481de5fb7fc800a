/**
 * Hostile Security Hub OCSF findings: finding text and evidence come from the attacker's side
 * (a domain, a title quoting it), so they must reach a summary defused; odd values in typed
 * fields become notes; an identity that cannot be used is refused naming the field.
 */
import assert from 'node:assert/strict';
import { hostileCase, neutralised, rejected } from '../../test/corpus/registry.ts';

let serial = 0;
const event = (finding: Record<string, unknown>) => ({
  message: JSON.stringify({
    version: '0',
    id: `hostile-ocsf-${++serial}`,
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: '111122223333',
    region: 'us-east-1',
    detail: {
      findings: [
        {
          class_uid: 2004,
          class_name: 'Detection Finding',
          activity_id: 1,
          severity_id: 4,
          metadata: { product: { name: 'GuardDuty', uid: 'arn:aws:securityhub:us-east-1::productv2/aws/guardduty' } },
          cloud: { account: { uid: '111122223333' }, region: 'us-east-1' },
          ...finding,
          finding_info: { uid: `hostile-ocsf-finding-${serial}`, types: ['Backdoor:EC2/C&CActivity.B!DNS'], ...(finding.finding_info as object) },
        },
      ],
    },
  }),
});

hostileCase({
  name: 'securityhub ocsf: chat mention and bidi override in the title, markup and a line break in an evidence domain',
  input: event({
    finding_info: { title: 'C2 from <!channel> evil\u202eelpmaxe.com' },
    evidences: [{ dst_endpoint: { ip: '198.51.100.23', domain: 'evil.example/<script>\nINFO ok' } }],
  }),
  expect: neutralised(({ report }) => {
    assert.equal(report.detector, 'securityhub');
    assert.ok(!report.attributes.some((a) => a.key === 'destination_domain'), 'never inspected');
    assert.ok(report.attributes.some((a) => a.value === '198.51.100.23'));
  }),
});
hostileCase({
  name: 'securityhub ocsf: a resource uid with a "__proto__" key beside it and a port that is not one stay data',
  input: {
    message: event({ evidences: [{ src_endpoint: { ip: '10.0.1.25', port: 70000 } }] }).message.replace('"cloud":', '"__proto__":{"polluted":true},"cloud":'),
  },
  expect: neutralised(({ report }) => {
    assert.deepEqual(report.alerts[0]?.unverified?.map((u) => u.key), ['source_port']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }),
});
hostileCase({
  name: 'securityhub ocsf: finding uid that is an object',
  input: event({ finding_info: { uid: { $ne: null } } }),
  expect: rejected('detail.findings[0].finding_info.uid', 'finding_info.uid is required (the OCSF finding uid)'),
});
