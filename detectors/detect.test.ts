import { describe, expect, test } from 'vitest';
import { AlertSchema } from '../core/alert.ts';
import type { CloudTrailRecord } from './cloudtrail/record.ts';
import { keepFirstSeen, MemoryFirstSeenStore } from './first-seen.ts';
import { loadFixtures } from './fixtures.ts';
import { createDetectors, detectAll } from './index.ts';
import { readFlowLogLines } from './input.ts';
import { loadDetectorSettings } from './settings.ts';

const detectors = (env: Record<string, string> = {}) => createDetectors({ settings: loadDetectorSettings(env) });
const firstPositive = async (ruleId: string) => structuredClone((await loadFixtures(ruleId)).positive[0]) as CloudTrailRecord;

describe('CloudTrail alerts', () => {
  test('carry the record id, principal, source IP, user agent, region and account as attributes', async () => {
    const record = await firstPositive('access-denied');
    const [detection] = detectors().cloudtrail.detect(record);
    const alert = AlertSchema.parse(detection!.alert);
    const byKey = Object.fromEntries(alert.attributes.map((a) => [a.key, `${a.type}=${a.value}`]));
    expect(byKey).toMatchObject({
      eventID: `event_id=${record.eventID}`,
      'userIdentity.arn': 'aws_arn=arn:aws:iam::111122223333:user/Alice',
      'userIdentity.accessKeyId': 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE',
      sourceIPAddress: 'ipaddr=198.51.100.23',
      userAgent: `user_agent=${record.userAgent}`,
      awsRegion: 'aws_region=us-east-1',
      recipientAccountId: 'aws_account_id=111122223333',
    });
    expect(alert).toMatchObject({ detector: 'cloudtrail', rule_id: 'access-denied', timestamp: record.eventTime, body: { severity: 'medium', record }, source_severity: { level: 'medium', raw: 'medium' } });
  });

  test('sourceIPAddress "AWS Internal" is left out and a service hostname becomes a domain; the alert survives both', async () => {
    const internal = { ...(await firstPositive('cloudtrail-tampering')), sourceIPAddress: 'AWS Internal' };
    const viaService = { ...(await firstPositive('cloudtrail-tampering')), sourceIPAddress: 'cloudformation.amazonaws.com' };
    const [a] = detectors().cloudtrail.detect(internal);
    const [b] = detectors().cloudtrail.detect(viaService);
    expect(a!.alert.attributes!.filter((x) => x.key === 'sourceIPAddress')).toEqual([]);
    expect(b!.alert.attributes!.find((x) => x.key === 'sourceIPAddress')).toEqual({ type: 'domain', key: 'sourceIPAddress', value: 'cloudformation.amazonaws.com', context: ['client'] });
    expect(AlertSchema.safeParse(a!.alert).success).toBe(true);
  });

  test('a value an attribute type refuses is dropped, not the alert', async () => {
    const record = { ...(await firstPositive('access-denied')), sourceIPAddress: '198.51.100.999', userAgent: 'curl\u0000' };
    const [d] = detectors().cloudtrail.detect(record);
    expect(d!.alert.attributes!.map((a) => a.key)).not.toContain('sourceIPAddress');
    expect(d!.alert.attributes!.map((a) => a.key)).not.toContain('userAgent');
    expect(AlertSchema.safeParse(d!.alert).success).toBe(true);
  });

  test('access denied is keyed per principal: two sessions of one role share a key, another role does not', async () => {
    const record = (await loadFixtures('access-denied')).positive[1] as CloudTrailRecord;
    const otherSession = structuredClone(record);
    otherSession.userIdentity!.arn = 'arn:aws:sts::111122223333:assumed-role/DeployRole/other-session';
    const otherRole = structuredClone(record);
    otherRole.userIdentity!.sessionContext!.sessionIssuer!.arn = 'arn:aws:iam::111122223333:role/OtherRole';
    const keys = [record, otherSession, otherRole].map((r) => detectors().cloudtrail.detect(r)[0]!.alert.alert_key);
    expect(keys[0]).toBe('arn:aws:iam::111122223333:role/DeployRole');
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  test('security-group ingress follows the configured ports, protocols, ranges and exemptions', async () => {
    const ssh = await firstPositive('security-group-ingress');
    expect(detectors().cloudtrail.detect(ssh).map((d) => d.ruleId)).toEqual(['security-group-ingress']);
    expect(detectors({ ALERTWARDEN_DETECT_INGRESS_ALLOWED_PORTS: '22,443' }).cloudtrail.detect(ssh)).toEqual([]);
    expect(detectors({ ALERTWARDEN_DETECT_INGRESS_ALLOWED_PROTOCOLS: 'udp' }).cloudtrail.detect(ssh).length).toBe(1);
    expect(detectors({ ALERTWARDEN_DETECT_INGRESS_EXEMPT_GROUPS: 'sg-0a1b2c3d4e5f60718' }).cloudtrail.detect(ssh)).toEqual([]);
    const [d] = detectors().cloudtrail.detect(ssh);
    expect(d!.alert.description).toMatch(/^Alice opened sg-0a1b2c3d4e5f60718 to tcp 22 from 0\.0\.0\.0\/0\. /);
  });

  test('an AMI alerts the first time it is launched in an account, not the second, and again in another account', async () => {
    const run = await firstPositive('ami-first-seen');
    const elsewhere = { ...structuredClone(run), recipientAccountId: '444455556666' };
    const store = new MemoryFirstSeenStore();
    const d = detectors();
    const kept = await keepFirstSeen(detectAll(d.cloudtrail, [run, structuredClone(run), elsewhere]), store);
    expect(kept.map((k) => k.alert.alert_key)).toEqual(['111122223333:ami-0abcdef1234567890', '444455556666:ami-0abcdef1234567890']);
    expect(kept[0]!.alert.attributes).toContainEqual({ type: 'aws_instance_id', key: 'responseElements.instancesSet.instanceId', value: 'i-0abc1234def567890', context: ['object'] });
  });

  test('a record only reaches the rules indexed for its eventName, plus the ones over every event', async () => {
    const record = { ...(await firstPositive('root-access-key-created')), eventName: 'ListAccessKeys' };
    expect(detectors().cloudtrail.detect(record).map((d) => d.ruleId)).toEqual(['root-user-activity']);
  });

  test('control characters in a key are replaced: the alert still passes the contract', async () => {
    const record = await firstPositive('iam-user-created');
    record.requestParameters = { userName: 'evil\nuser' };
    const [d] = detectors().cloudtrail.detect(record);
    expect(d!.alert.alert_key).toBe('111122223333:evil user');
    expect(AlertSchema.safeParse(d!.alert).success).toBe(true);
  });
});

describe('flow-log alerts', () => {
  const line = '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 49152 4444 6 20 4249 1763633700 1763633760 ACCEPT OK';

  test('carry ENI, local and remote address and port, account', () => {
    const d = detectors();
    const [record] = readFlowLogLines([line], 't', d.settings.flowLogFormat).records;
    const [detection] = d.flowlogs.detect(record!);
    expect(detection!.alert.attributes).toEqual([
      { type: 'aws_eni_id', key: 'interface-id', value: 'eni-0a1b2c3d4e5f60718', context: ['local'] },
      { type: 'ipaddr', key: 'localAddress', value: '10.0.1.25', context: ['local'] },
      { type: 'ipaddr', key: 'remoteAddress', value: '198.51.100.77', context: ['remote'] },
      { type: 'port', key: 'localPort', value: '49152', context: ['local'] },
      { type: 'port', key: 'remotePort', value: '4444', context: ['remote'] },
      { type: 'aws_account_id', key: 'account-id', value: '111122223333', context: ['local'] },
    ]);
    expect(detection!.alert).toMatchObject({ detector: 'flowlogs', rule_id: 'flowlog-outbound-port', alert_key: 'eni-0a1b2c3d4e5f60718:tcp/4444', timestamp: '2025-11-20T10:15:00.000Z' });
  });

  test('the outbound allowlist comes from the settings', () => {
    const d = detectors({ ALERTWARDEN_DETECT_OUTBOUND_ALLOWED_PORTS: '443,4444' });
    const [record] = readFlowLogLines([line], 't', d.settings.flowLogFormat).records;
    expect(d.flowlogs.detect(record!)).toEqual([]);
  });

  test('with tcp-flags in a custom format, a SYN decides who opened the connection', () => {
    const d = detectors();
    const header = 'interface-id srcaddr dstaddr srcport dstport protocol tcp-flags action';
    const { records } = readFlowLogLines([header, 'eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 2222 1234 6 2 ACCEPT', 'eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 40000 1234 6 18 ACCEPT'], 't', d.settings.flowLogFormat);
    expect(records.map((r) => d.flowlogs.detect(r).map((x) => x.ruleId))).toEqual([['flowlog-outbound-port'], []]);
  });
});
