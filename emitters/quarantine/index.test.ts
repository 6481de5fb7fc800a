/**
 * Quarantine against aws-sdk-client-mock (EC2 and IAM have no local server): the exact call
 * sequences for dry-run, an allowed instance, a protected one, the hourly cap, a second run of
 * the same report, and a snapshot that fails. The ledger is the real DynamoDB adapter on dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { GetAccessKeyLastUsedCommand, IAMClient, ListUserTagsCommand, PutUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import type { Emitter } from '../../core/plugins.ts';
import { makeAttribute, makeEmitContext, makeReport } from '../../core/testing.ts';
import type { Report } from '../../core/report.ts';
import { createPkSkTable, LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from '../../local/servers.ts';
import { quarantineSettingsFrom, type QuarantineSettings } from './config.ts';
import { createQuarantineEmitter, QuarantineIncompleteError } from './index.ts';
import { DynamoDbQuarantineLedger } from './ledger.ts';

const ec2Mock = mockClient(EC2Client);
const iamMock = mockClient(IAMClient);
const ec2 = new EC2Client({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
const iam = new IAMClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });

// The local storage servers, as the runtime starts them (dynalite with its savings: local/storage-servers.mjs).
let servers: LocalServers;
let dynamodb: DynamoDBClient;
let tableSeq = 0;

beforeAll(async () => {
  servers = await startLocalServers({ tableName: 'quarantine-test', bucketName: 'quarantine-test' });
  dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  // Class-wide mocks: restored, so no later file in a shared worker (vitest.config.ts) gets them.
  ec2Mock.restore();
  iamMock.restore();
  dynamodb?.destroy();
  await servers?.stop();
});

beforeEach(() => {
  ec2Mock.reset();
  iamMock.reset();
});

const INSTANCE = 'i-0a1b2c3d4e5f60718';
const ACCOUNT = '111122223333';

const instance = (tags: Record<string, string> = {}, id = INSTANCE): Instance => ({
  InstanceId: id,
  VpcId: 'vpc-0abc',
  State: { Name: 'running', Code: 16 },
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  NetworkInterfaces: [{ NetworkInterfaceId: 'eni-primary' }, { NetworkInterfaceId: 'eni-second' }],
  BlockDeviceMappings: [
    { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-root' } },
    { DeviceName: '/dev/xvdb', Ebs: { VolumeId: 'vol-data' } },
  ],
  IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web`, Id: 'AIPA0' },
});

const describeReturns = (...instances: Instance[]) =>
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: instances.filter((i) => input.InstanceIds?.includes(i.InstanceId!)).map((i) => ({ OwnerId: ACCOUNT, Instances: [i] })),
  }));

const settings = (env: Record<string, string> = {}): QuarantineSettings =>
  quarantineSettingsFrom({ ALERTWARDEN_QUARANTINE_MODE: 'enforce', ALERTWARDEN_QUARANTINE_MIN_SEVERITY: 'high', ...env });

const emitterWith = async (s: QuarantineSettings): Promise<Emitter> => {
  const table = `quarantine-${++tableSeq}`;
  await createPkSkTable(dynamodb, table);
  return createQuarantineEmitter({ settings: s, ledger: new DynamoDbQuarantineLedger(dynamodb, table, 1), ec2: () => ec2, iam: () => iam });
};

const reportFor = (attributes: Report['attributes'], partial: Partial<Report> = {}): Report =>
  makeReport({ phase: 'final', verdict: { severity: 'critical', reason: 'test' }, attributes, ...partial });

const instanceAttribute = (value = INSTANCE) => makeAttribute({ type: 'aws_instance_id', key: 'instance', value, origin: 'alert' });

/** Command names in call order, for exact-sequence assertions. */
const callsOf = (mock: typeof ec2Mock | typeof iamMock) => mock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
// Typed loosely: the mock's commandCalls() takes one command class at a time.
const MUTATING = [CreateSecurityGroupCommand, RevokeSecurityGroupEgressCommand, ModifyNetworkInterfaceAttributeCommand, CreateSnapshotCommand, CreateTagsCommand] as unknown as (typeof CreateTagsCommand)[];

describe('EC2 instance quarantine', () => {
  test('dry-run makes read-only calls only and lists every call enforce would make', async () => {
    describeReturns(instance());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    const emitter = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_MODE: 'dry-run' }));
    const result = await emitter.emit(reportFor([instanceAttribute()]), makeEmitContext());
    expect(callsOf(ec2Mock)).toEqual(['DescribeInstancesCommand', 'DescribeSecurityGroupsCommand']);
    for (const command of MUTATING) expect(ec2Mock.commandCalls(command)).toHaveLength(0);
    expect(result.status).toBe('delivered');
    expect(result.detail).toMatch(/^dry-run: /);
    for (const planned of ['planned ec2:CreateSecurityGroup vpc-0abc', 'planned ec2:ModifyNetworkInterfaceAttribute eni-primary', 'planned ec2:ModifyNetworkInterfaceAttribute eni-second', 'planned ec2:CreateSnapshot vol-root', 'planned ec2:CreateSnapshot vol-data', `planned ec2:CreateTags ${INSTANCE}`]) {
      expect(result.detail).toContain(planned);
    }
  });

  test('enforce on an allowed instance: isolation group created once, every interface moved, every volume snapshotted and tagged, instance tagged', async () => {
    describeReturns(instance());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-isolation' });
    ec2Mock.on(CreateSnapshotCommand).callsFake((input: { VolumeId: string }) => ({ SnapshotId: `snap-${input.VolumeId}` }));
    const emitter = await emitterWith(settings());
    const report = reportFor([instanceAttribute()]);
    const result = await emitter.emit(report, makeEmitContext());
    expect(callsOf(ec2Mock)).toEqual([
      'DescribeInstancesCommand',
      'DescribeSecurityGroupsCommand',
      'CreateSecurityGroupCommand',
      'RevokeSecurityGroupEgressCommand',
      'ModifyNetworkInterfaceAttributeCommand',
      'ModifyNetworkInterfaceAttributeCommand',
      'CreateSnapshotCommand',
      'CreateSnapshotCommand',
      'CreateTagsCommand',
    ]);
    expect(ec2Mock.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input).toMatchObject({ GroupName: 'alertwarden-isolation', VpcId: 'vpc-0abc' });
    expect(ec2Mock.commandCalls(RevokeSecurityGroupEgressCommand)[0]!.args[0].input).toEqual({
      GroupId: 'sg-isolation',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { NetworkInterfaceId: 'eni-primary', Groups: ['sg-isolation'] },
      { NetworkInterfaceId: 'eni-second', Groups: ['sg-isolation'] },
    ]);
    const snapshot = ec2Mock.commandCalls(CreateSnapshotCommand)[0]!.args[0].input;
    expect(snapshot.VolumeId).toBe('vol-root');
    expect(snapshot.TagSpecifications?.[0]?.Tags).toContainEqual({ Key: 'alertwarden:report-id', Value: report.id });
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags).toContainEqual({ Key: 'alertwarden:quarantined', Value: report.id });
    // Stop and terminate are off unless asked for.
    expect(ec2Mock.commandCalls(StopInstancesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(result).toMatchObject({ status: 'delivered' });
    expect(result.detail).toContain('done ec2:CreateSnapshot vol-data (snap-vol-data)');
  });

  test('a protected instance is refused after the describe, with no other call', async () => {
    describeReturns(instance({ 'alertwarden:protected': 'true' }));
    const emitter = await emitterWith(settings());
    const result = await emitter.emit(reportFor([instanceAttribute()]), makeEmitContext());
    expect(callsOf(ec2Mock)).toEqual(['DescribeInstancesCommand']);
    expect(result).toEqual({ status: 'skipped', detail: `enforce: refused guard ${INSTANCE} (tagged alertwarden:protected)` });
  });

  test('an instance of an account outside the allowlist, or without a required tag, is refused', async () => {
    describeReturns(instance({ env: 'dev' }));
    const outside = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_ACCOUNTS: '999988887777' }));
    expect((await outside.emit(reportFor([instanceAttribute()]), makeEmitContext())).detail).toContain('account 111122223333 is not in the quarantine allowlist');
    const tagged = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_REQUIRED_TAGS: 'env=prod' }));
    expect((await tagged.emit(reportFor([instanceAttribute()]), makeEmitContext())).detail).toContain('lacks the required tag env=prod');
    for (const command of MUTATING) expect(ec2Mock.commandCalls(command)).toHaveLength(0);
  });

  test('the hourly cap: past it the next instance is refused and untouched', async () => {
    const other = 'i-0b1b2c3d4e5f60718';
    describeReturns(instance(), instance({}, other));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-isolation' }] });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    const emitter = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_MAX_ACTIONS_PER_HOUR: '1' }));
    expect((await emitter.emit(reportFor([instanceAttribute()]), makeEmitContext())).status).toBe('delivered');
    const modifiedBefore = ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand).length;
    const second = await emitter.emit(reportFor([instanceAttribute(other)], { alert_key: 'another' }), makeEmitContext());
    expect(second).toEqual({ status: 'skipped', detail: `enforce: refused guard ${other} (cap of 1 quarantined resources per hour reached)` });
    expect(ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(modifiedBefore);
  });

  test('a second emit of the same report (a re-review) makes no mutating call again', async () => {
    describeReturns(instance());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [] }).resolves({ SecurityGroups: [{ GroupId: 'sg-isolation' }] });
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-isolation' });
    ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    const emitter = await emitterWith(settings());
    const report = reportFor([instanceAttribute()]);
    await emitter.emit(report, makeEmitContext());
    const mutatingAfterFirst = MUTATING.map((c) => ec2Mock.commandCalls(c).length);
    const again = await emitter.emit({ ...report, version: 2 }, makeEmitContext());
    expect(MUTATING.map((c) => ec2Mock.commandCalls(c).length)).toEqual(mutatingAfterFirst);
    expect(again.status).toBe('delivered');
    expect(again.detail).toContain('already-done ec2:CreateSnapshot vol-root (snap-1)');
  });

  test('a failed snapshot: the instance is still isolated, the emit fails with every outcome, and the retry redoes only the snapshot', async () => {
    describeReturns(instance());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-isolation' }] });
    ec2Mock
      .on(CreateSnapshotCommand, { VolumeId: 'vol-data' })
      .rejectsOnce(Object.assign(new Error('snapshot limit exceeded'), { name: 'SnapshotLimitExceeded' }))
      .resolves({ SnapshotId: 'snap-data' });
    ec2Mock.on(CreateSnapshotCommand, { VolumeId: 'vol-root' }).resolves({ SnapshotId: 'snap-root' });
    const emitter = await emitterWith(settings());
    const report = reportFor([instanceAttribute()]);
    const failure = await Promise.resolve(emitter.emit(report, makeEmitContext())).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(QuarantineIncompleteError);
    expect((failure as Error).message).toContain('failed ec2:CreateSnapshot vol-data (SnapshotLimitExceeded: snapshot limit exceeded)');
    expect(ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(2);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(1);

    const retried = await emitter.emit(report, makeEmitContext());
    expect(retried.status).toBe('delivered');
    expect(ec2Mock.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input.VolumeId)).toEqual(['vol-root', 'vol-data', 'vol-data']);
    expect(ec2Mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(2);
  });

  test('stop and terminate only when asked, terminate only with stop', async () => {
    describeReturns(instance());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-isolation' }] });
    const emitter = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_STOP: 'true', ALERTWARDEN_QUARANTINE_TERMINATE: 'true', ALERTWARDEN_QUARANTINE_SNAPSHOT: 'false' }));
    await emitter.emit(reportFor([instanceAttribute()]), makeEmitContext());
    expect(callsOf(ec2Mock).slice(-2)).toEqual(['StopInstancesCommand', 'TerminateInstancesCommand']);
    expect(() => settings({ ALERTWARDEN_QUARANTINE_TERMINATE: 'true' })).toThrow(ConfigError);
  });

  test('preliminary reports, low severities and discovered instances are never acted on', async () => {
    describeReturns(instance());
    const emitter = await emitterWith(settings());
    expect(emitter.receivesPreliminary).toBe(false);
    expect((await emitter.emit(reportFor([instanceAttribute()], { phase: 'preliminary' }), makeEmitContext())).status).toBe('skipped');
    expect((await emitter.emit(reportFor([instanceAttribute()], { verdict: { severity: 'medium', reason: 'x' } }), makeEmitContext())).status).toBe('skipped');
    expect((await emitter.emit(reportFor([instanceAttribute()], { verdict: { severity: 'unclassified', reason: 'x' } }), makeEmitContext())).status).toBe('skipped');
    const discovered = makeAttribute({ type: 'aws_instance_id', key: 'instance', value: INSTANCE, origin: 'aws-ec2', depth: 1 });
    expect((await emitter.emit(reportFor([discovered]), makeEmitContext())).status).toBe('skipped');
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('offline (local runs): the plan comes from the report alone, without any AWS call', async () => {
    const emitter = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_MODE: 'dry-run', ALERTWARDEN_QUARANTINE_OFFLINE: 'true' }));
    const result = await emitter.emit(reportFor([instanceAttribute()]), makeEmitContext());
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(result.detail).toContain(`planned ec2:ModifyNetworkInterfaceAttribute each interface of ${INSTANCE}`);
  });
});

describe('access key quarantine', () => {
  const KEY = 'AKIAIOSFODNN7EXAMPLE';
  const keyAttribute = (value = KEY) => makeAttribute({ type: 'aws_access_key_id', key: 'accessKeyId', value, origin: 'alert' });

  test('deactivates the key of its user and, when configured, pins a deny-all policy', async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'deploy-bot' });
    iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
    const emitter = await emitterWith(settings({ ALERTWARDEN_QUARANTINE_DENY_ALL_POLICY: 'true' }));
    const result = await emitter.emit(reportFor([keyAttribute()]), makeEmitContext());
    expect(callsOf(iamMock)).toEqual(['GetAccessKeyLastUsedCommand', 'ListUserTagsCommand', 'UpdateAccessKeyCommand', 'PutUserPolicyCommand']);
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)[0]!.args[0].input).toEqual({ UserName: 'deploy-bot', AccessKeyId: KEY, Status: 'Inactive' });
    expect(JSON.parse(iamMock.commandCalls(PutUserPolicyCommand)[0]!.args[0].input.PolicyDocument!)).toMatchObject({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] });
    expect(result.status).toBe('delivered');
  });

  test('a protected user is refused; a session key (ASIA) is not deactivatable and says so', async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'break-glass' });
    iamMock.on(ListUserTagsCommand).resolves({ Tags: [{ Key: 'alertwarden:protected', Value: 'yes' }] });
    const emitter = await emitterWith(settings());
    const refused = await emitter.emit(reportFor([keyAttribute()]), makeEmitContext());
    expect(refused.detail).toContain('refused guard AKIAIOSFODNN7EXAMPLE (user break-glass is tagged alertwarden:protected)');
    const session = await emitter.emit(reportFor([keyAttribute('ASIAIOSFODNN7EXAMPLE')], { alert_key: 'session' }), makeEmitContext());
    expect(session.detail).toContain('skipped guard ASIAIOSFODNN7EXAMPLE');
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
  });
});

test('bad settings name the variable', () => {
  expect(() => quarantineSettingsFrom({ ALERTWARDEN_QUARANTINE_MODE: 'on' })).toThrow(/ALERTWARDEN_QUARANTINE_MODE must be one of off, dry-run, enforce/);
  expect(() => quarantineSettingsFrom({ ALERTWARDEN_QUARANTINE_ACCOUNTS: '12345' })).toThrow(/ALERTWARDEN_QUARANTINE_ACCOUNTS must be 12-digit account ids/);
  expect(quarantineSettingsFrom({}).mode).toBe('off');
});
