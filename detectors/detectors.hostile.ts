/**
 * Hostile cases of the detectors (picked up by test/corpus/corpus.test.ts): CloudTrail fields
 * and flow-log lines are attacker-controlled text (user names, user agents, request
 * parameters). Each case is a real record through the real detector; the alert it makes must
 * be accepted and shown safely, never lost to one odd value.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostileCase, neutralised } from '../test/corpus/registry.ts';
import type { CloudTrailRecord } from './cloudtrail/record.ts';
import { createDetectors } from './index.ts';
import { readFlowLogLines } from './input.ts';
import { parseBlocklist } from '../inspectors/blocklist/parse.ts';
import { loadDetectorSettings } from './settings.ts';
import { RULE_PATHS } from './rules.ts';

const detectors = createDetectors({
  settings: loadDetectorSettings({}),
  blocklists: [parseBlocklist(readFileSync(new URL('../examples/blocklists/known-bad.txt', import.meta.url), 'utf8'), 'known-bad', 'examples/blocklists/known-bad.txt')],
});
const positive = (ruleId: string): CloudTrailRecord =>
  structuredClone((JSON.parse(readFileSync(new URL(`./${RULE_PATHS[ruleId]}.fixtures.json`, import.meta.url), 'utf8')) as { positive: CloudTrailRecord[] }).positive[0]!);

/** The one alert `ruleId` makes of `record`, as the text a source publishes. */
const alertOf = (ruleId: string, record: CloudTrailRecord): { message: string } => {
  const found = detectors.cloudtrail.detect(record).filter((d) => d.ruleId === ruleId);
  assert.equal(found.length, 1, `${ruleId} must match its hostile record`);
  return { message: JSON.stringify(found[0]!.alert) };
};

const escapes = positive('iam-user-created');
escapes.requestParameters = { userName: '\u001b[2J\u001b[31m<!channel> root\u0007' };
hostileCase({
  name: 'detectors: an IAM user name with terminal escapes and a Slack mention',
  input: alertOf('iam-user-created', escapes),
  expect: neutralised(({ report }) => assert.doesNotMatch(report.alert_key ?? '', /[\u0000-\u001f]/)),
});

const agent = positive('access-denied');
agent.userIdentity!.arn = 'arn:aws:iam::111122223333:user/hostile-agent';
agent.userAgent = 'curl/8.4\u0000\r\nX-Injected: 1 <script>alert(1)</script>';
hostileCase({
  name: 'detectors: a user agent with NUL, CRLF and markup is dropped as an attribute, the alert is kept',
  input: alertOf('access-denied', agent),
  expect: neutralised(({ report }) => assert.ok(!report.attributes.some((a) => a.type === 'user_agent'), 'no user_agent attribute')),
});

const huge = positive('s3-public-access');
huge.requestParameters = { ...huge.requestParameters, bucketName: 'huge-policy-bucket', padding: 'x'.repeat(200_000) };
hostileCase({
  name: 'detectors: a 200 KB request keeps its alert (the record in the body is cut down)',
  input: alertOf('s3-public-access', huge),
  expect: neutralised(({ report }) => assert.equal((report.alerts[0]?.body as { record?: { truncated?: boolean } })?.record?.truncated, true)),
});

const internal = positive('cloudtrail-tampering');
internal.sourceIPAddress = 'AWS Internal';
internal.requestParameters = { name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/internal-caller' };
hostileCase({
  name: 'detectors: sourceIPAddress "AWS Internal" is no address, and costs nothing else',
  input: alertOf('cloudtrail-tampering', internal),
  expect: neutralised(({ report }) => assert.ok(!report.attributes.some((a) => a.key === 'sourceIPAddress'))),
});

const [v6] = readFlowLogLines(['2 111122223333 eni-0a1b2c3d4e5f60718 2001:db8:bad::7 fd00::25 443 51000 6 3 180 1763633700 1763633760 ACCEPT OK'], 'hostile', detectors.settings.flowLogFormat).records;
const listed = detectors.flowlogs.detect(v6!).filter((d) => d.ruleId === 'flowlog-blocklisted-address');
assert.equal(listed.length, 1, 'the IPv6 address is on the sample blocklist');
hostileCase({
  name: 'detectors: an IPv6 flow from a listed range is flagged by the detector and by the blocklist inspector alike',
  input: { message: JSON.stringify(listed[0]!.alert) },
  expect: neutralised(({ report }) => assert.ok(report.findings.some((f) => f.inspector === 'blocklist' && f.verdict === 'malicious'), 'inspector agrees')),
});
