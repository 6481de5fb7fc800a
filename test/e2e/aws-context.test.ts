/**
 * End to end through the local pipeline: one alert with a public IP, a private IP, an instance
 * id and an access key, every inspector of this issue enabled. EC2, IAM and CloudTrail are
 * mocked in-process with aws-sdk-client-mock (they have no local server); AbuseIPDB and
 * GreyNoise are loopback HTTP servers; correlation reads the real table in dynalite. With
 * ALERTWARDEN_MAX_INSPECTION_DEPTH=1 the attributes the inspectors discover are inspected once,
 * and what those discover is kept but not inspected.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type DescribeNetworkInterfacesCommandInput,
} from '@aws-sdk/client-ec2';
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { AlertInput } from '../../core/alert.ts';
import { StaticSecretReader } from '../../core/secrets.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';
import { startScriptedHttp, type ScriptedHttp } from '../support/scripted-http.ts';

const PUBLIC_IP = '185.220.101.4';
const PRIVATE_IP = '10.0.1.25';
const INSTANCE = 'i-0abc1234def567890';
const INSTANCE_PUBLIC_IP = '3.120.14.7';
const KEY = 'AKIAIOSFODNN7EXAMPLE';
const ENABLED = ['blocklist', 'aws-ec2', 'aws-iam', 'aws-cloudtrail-history', 'correlation', 'abuseipdb', 'greynoise'];

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const trail = mockClient(CloudTrailClient);
let abuse: ScriptedHttp;
let greynoise: ScriptedHttp;
let pipeline: TestPipeline;

const trailEvent = (name: string, ip: string, minutesAgo: number) => ({
  EventName: name,
  EventSource: 'ec2.amazonaws.com',
  EventTime: new Date(Date.now() - minutesAgo * 60_000),
  AccessKeyId: KEY,
  Username: 'alice',
  CloudTrailEvent: JSON.stringify({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', accountId: '123456789012', accessKeyId: KEY, userName: 'alice' },
    eventTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    eventSource: 'ec2.amazonaws.com',
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userAgent: 'aws-cli/2.15.0',
    readOnly: true,
    eventType: 'AwsApiCall',
  }),
});

beforeAll(async () => {
  const eni = {
    NetworkInterfaceId: 'eni-0a1b2c3d',
    InterfaceType: 'interface' as const,
    OwnerId: '123456789012',
    PrivateIpAddress: PRIVATE_IP,
    Association: { PublicIp: INSTANCE_PUBLIC_IP },
    Attachment: { InstanceId: INSTANCE, Status: 'attached' as const },
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: PRIVATE_IP, Association: { PublicIp: INSTANCE_PUBLIC_IP } }],
  };
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input: DescribeNetworkInterfacesCommandInput) => {
    const value = input.Filters?.[0]?.Values?.[0];
    return { NetworkInterfaces: value === PRIVATE_IP || value === INSTANCE_PUBLIC_IP ? [eni] : [] };
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        OwnerId: '123456789012',
        Instances: [
          {
            InstanceId: INSTANCE,
            ImageId: 'ami-0ff8a91507f77f867',
            State: { Code: 16, Name: 'running' },
            LaunchTime: new Date('2026-11-01T08:00:00Z'),
            VpcId: 'vpc-1a2b3c4d',
            SubnetId: 'subnet-6e7f829e',
            PrivateIpAddress: PRIVATE_IP,
            PublicIpAddress: INSTANCE_PUBLIC_IP,
            SecurityGroups: [{ GroupId: 'sg-0ssh', GroupName: 'ssh-anywhere' }],
            Tags: [{ Key: 'Name', Value: 'web-1' }, { Key: 'Owner', Value: 'payments' }],
            NetworkInterfaces: [eni],
          },
        ],
      },
    ],
  });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: 'sg-0ssh', GroupName: 'ssh-anywhere', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }],
  });
  iam.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'alice', AccessKeyLastUsed: { LastUsedDate: new Date(), ServiceName: 'ec2', Region: 'us-east-1' } });
  iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ UserName: 'alice', AccessKeyId: KEY, Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') }] });
  iam.on(GetUserCommand).resolves({ User: { Path: '/', UserName: 'alice', UserId: 'AIDAJQABLZS4A3QDU576Q', Arn: 'arn:aws:iam::123456789012:user/alice', CreateDate: new Date('2024-01-01T00:00:00Z') } });
  iam.on(ListGroupsForUserCommand).resolves({ Groups: [] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListMFADevicesCommand).resolves({ MFADevices: [] });
  iam.on(GetLoginProfileCommand).rejects(Object.assign(new Error('Login Profile for User alice cannot be found.'), { name: 'NoSuchEntity' }));
  trail.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
    const events = [trailEvent('DescribeInstances', PUBLIC_IP, 5), trailEvent('RunInstances', PUBLIC_IP, 4), trailEvent('DescribeInstances', '198.51.100.23', 3)];
    return { Events: input.LookupAttributes ? events : [...events, trailEvent('ListBuckets', '192.0.2.200', 2)] };
  });

  abuse = await startScriptedHttp();
  abuse.script = [
    (request) => {
      const ip = new URL(request.url, 'http://x').searchParams.get('ipAddress') ?? '';
      const score = ip === PUBLIC_IP ? 100 : 0;
      return { body: { data: { ipAddress: ip, isPublic: true, abuseConfidenceScore: score, isWhitelisted: false, totalReports: score ? 900 : 0, isTor: ip === PUBLIC_IP } } };
    },
  ];
  greynoise = await startScriptedHttp();
  greynoise.script = [
    (request) => {
      const ip = decodeURIComponent(request.url.split('/').pop() ?? '');
      return ip === PUBLIC_IP
        ? { body: { ip, noise: true, riot: false, classification: 'malicious', name: 'unknown', last_seen: '2026-11-29', message: 'Success' } }
        : { status: 404, body: { ip, noise: false, riot: false, message: 'IP not observed scanning the internet or contained in RIOT data set.' } };
    },
  ];

  pipeline = await startTestPipeline({
    env: {
      ALERTWARDEN_INSPECTORS: ENABLED.join(','),
      ALERTWARDEN_MAX_INSPECTION_DEPTH: '1',
      ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: '/alertwarden/e2e/abuseipdb',
      ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER: '/alertwarden/e2e/greynoise',
      ALERTWARDEN_ABUSEIPDB_URL: abuse.url,
      ALERTWARDEN_GREYNOISE_URL: greynoise.url,
    },
    secrets: new StaticSecretReader({ '/alertwarden/e2e/abuseipdb': 'abuse-key-e2e', '/alertwarden/e2e/greynoise': 'gn-key-e2e' }),
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await abuse?.close();
  await greynoise?.close();
  ec2.restore();
  iam.restore();
  trail.restore();
});

const alert = (key: string, attributes: AlertInput['attributes']): AlertInput => ({
  detector: 'guardduty',
  rule_id: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
  alert_key: key,
  attributes,
});

test('every enabled inspector reports on one alert; discovered attributes are inspected once, no deeper', async (t) => {
  const runtime = pipeline.runtime;
  // An earlier report with the same public IP, for correlation to find.
  await runtime.publish([JSON.stringify(alert('earlier', [{ type: 'ipaddr', key: 'caller ip', value: PUBLIC_IP, context: ['remote'] }]))]);
  await runtime.drain();
  const started = Date.now();
  await runtime.publish([
    JSON.stringify(
      alert('main', [
        { type: 'ipaddr', key: 'remote address', value: PUBLIC_IP, context: ['remote'] },
        { type: 'ipaddr', key: 'local address', value: PRIVATE_IP, context: ['local'] },
        { type: 'aws_instance_id', key: 'resource', value: INSTANCE, context: ['local'] },
        { type: 'aws_access_key_id', key: 'access key', value: KEY, context: ['subject'] },
      ]),
    ),
  ]);
  await runtime.drain();
  const reports = (await pipeline.emitted()).filter((r) => r.alert_key === 'main' && r.phase === 'final');
  assert.equal(reports.length, 1);
  const report = reports[0]!;
  reportAlertMetrics(t, {
    sent: 2,
    inReports: (await pipeline.emitted()).filter((r) => r.phase === 'final' && ['earlier', 'main'].includes(r.alert_key ?? '')).length,
    notes: `${Date.now() - started} ms for the main alert; ${report.attributes.length} attributes, ${report.findings.length} findings`,
  });

  const by = (inspector: string, value?: string) => report.findings.filter((f) => f.inspector === inspector && (value === undefined || f.attribute.value === value));
  assert.deepEqual(report.inspectionFailures, [], 'no inspector failed');
  for (const name of ENABLED.filter((n) => n !== 'blocklist')) assert.ok(by(name).length > 0, `${name} has findings`);

  assert.match(by('aws-ec2', INSTANCE).map((f) => f.title).join('\n'), /EC2 instance web-1 \(i-0abc1234def567890\), running, owner payments/);
  assert.ok(by('aws-ec2', INSTANCE).some((f) => f.verdict === 'suspicious' && /tcp\/22/.test(f.title)));
  assert.equal(by('aws-ec2', PRIVATE_IP)[0]?.title, `${PRIVATE_IP} is held by instance ${INSTANCE}`);
  assert.match(by('aws-iam', KEY)[0]!.title, /^access key AKIAIOSFODNN7EXAMPLE of IAM user alice: Active/);
  assert.match(by('aws-cloudtrail-history', KEY)[0]!.title, /^3 CloudTrail events/);
  assert.equal(by('abuseipdb', PUBLIC_IP)[0]?.verdict, 'malicious');
  assert.equal(by('greynoise', PUBLIC_IP)[0]?.verdict, 'malicious');
  const correlation = by('correlation', PUBLIC_IP)[0];
  assert.equal(correlation?.verdict, 'suspicious', 'the earlier report was reviewed high');
  assert.equal((correlation?.detail?.reports as { rule_id: string }[]).length, 1);

  // Discovered: depth 1, named origin, each inspected exactly once by every inspector accepting it.
  const discovered = report.attributes.filter((a) => a.depth === 1);
  const has = (type: string, value: string, origin: string) => discovered.some((a) => a.type === type && a.value === value && a.origin === origin);
  assert.ok(has('aws_instance_id', INSTANCE, 'aws-ec2'), 'the instance behind the private IP');
  assert.ok(has('ipaddr', INSTANCE_PUBLIC_IP, 'aws-ec2'), "the instance's other address");
  assert.ok(has('username', 'alice', 'aws-iam'), "the key's owner");
  assert.ok(has('ipaddr', '198.51.100.23', 'aws-cloudtrail-history'), 'a source IP of the key');
  const aliceUser = by('aws-iam', 'alice');
  assert.equal(aliceUser.length, 1, 'the owner was inspected once, by aws-iam');
  assert.match(aliceUser[0]!.title, /^IAM user alice: no groups, policies AdministratorAccess, no MFA, no console access/);
  const results = new Map<string, number>();
  for (const f of report.findings) results.set(`${f.attributeId}#${f.inspector}#${f.title}`, (results.get(`${f.attributeId}#${f.inspector}#${f.title}`) ?? 0) + 1);
  assert.deepEqual([...results].filter(([, n]) => n > 1), [], 'no finding recorded twice');
  // Depth 2 (what the discovered attributes led to) is stored, never inspected.
  const deeper = new Set(report.attributes.filter((a) => a.depth === 2).map((a) => a.id));
  assert.ok(deeper.size > 0, 'the instance discovered from the IP led to more addresses');
  assert.deepEqual(report.findings.filter((f) => deeper.has(f.attributeId)), []);

  // The calls made: exact inputs, and private or special addresses never sent outside.
  // One lookup per address attribute (an address found under two keys is two attributes); none for 198.51.100.23 (documentation range).
  assert.deepEqual(
    [...new Set(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => JSON.stringify(c.args[0].input)))].sort(),
    [
      { Filters: [{ Name: 'addresses.private-ip-address', Values: [PRIVATE_IP] }] },
      { Filters: [{ Name: 'association.public-ip', Values: [PUBLIC_IP] }] },
      { Filters: [{ Name: 'association.public-ip', Values: [INSTANCE_PUBLIC_IP] }] },
    ].map((x) => JSON.stringify(x)).sort(),
  );
  for (const c of ec2.commandCalls(DescribeInstancesCommand)) assert.deepEqual(c.args[0].input, { InstanceIds: [INSTANCE] });
  // The key is in the alert and is also discovered from the public IP's CloudTrail events: asked about more than once, always the same way.
  assert.ok(iam.commandCalls(GetAccessKeyLastUsedCommand).length >= 1);
  for (const c of iam.commandCalls(GetAccessKeyLastUsedCommand)) assert.deepEqual(c.args[0].input, { AccessKeyId: KEY });
  assert.deepEqual(iam.commandCalls(GetUserCommand).map((c) => c.args[0].input), [{ UserName: 'alice' }], 'alice is one attribute, whichever way the key was found');
  const filtered = trail.commandCalls(LookupEventsCommand).flatMap((c) => c.args[0].input.LookupAttributes ?? []);
  assert.ok(filtered.some((l) => l.AttributeKey === 'AccessKeyId' && l.AttributeValue === KEY));
  assert.ok(filtered.some((l) => l.AttributeKey === 'Username' && l.AttributeValue === 'alice'));
  assert.ok(filtered.every((l) => (l.AttributeKey === 'AccessKeyId' && l.AttributeValue === KEY) || (l.AttributeKey === 'Username' && l.AttributeValue === 'alice')));
  const sentToAbuse = abuse.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('ipAddress'));
  assert.ok(sentToAbuse.includes(PUBLIC_IP) && sentToAbuse.includes(INSTANCE_PUBLIC_IP), `abuseipdb saw ${sentToAbuse.join(', ')}`);
  for (const ip of [PRIVATE_IP, '198.51.100.23']) assert.ok(!sentToAbuse.includes(ip), `${ip} must not leave`);
  assert.ok(abuse.requests.every((r) => r.headers.key === 'abuse-key-e2e'));
  assert.ok(greynoise.requests.every((r) => r.headers.key === 'gn-key-e2e'));
  const emitted = JSON.stringify(await pipeline.emitted());
  for (const secret of ['abuse-key-e2e', 'gn-key-e2e']) assert.ok(!emitted.includes(secret), 'an API key reached a report');
}, 600_000);
