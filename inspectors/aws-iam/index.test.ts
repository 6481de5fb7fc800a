import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { runInspector } from '../../core/testing.ts';
import { createIamInspector, principalOfArn } from './index.ts';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const iam = mockClient(IAMClient);
beforeEach(() => iam.reset());

const noSuchEntity = (what: string) => Object.assign(new Error(`The user with name ${what} cannot be found.`), { name: 'NoSuchEntity' });

// Shapes as in the IAM API reference.
const mockUser = (options: { console: boolean; mfa: boolean }) => {
  iam.on(GetUserCommand, { UserName: 'alice' }).resolves({
    User: { Path: '/', UserName: 'alice', UserId: 'AIDAJQABLZS4A3QDU576Q', Arn: 'arn:aws:iam::123456789012:user/alice', CreateDate: new Date('2024-02-01T00:00:00Z') },
  });
  iam.on(ListGroupsForUserCommand).resolves({ Groups: [{ Path: '/', GroupName: 'admins', GroupId: 'AGPA1', Arn: 'arn:aws:iam::123456789012:group/admins', CreateDate: new Date('2024-01-01T00:00:00Z') }] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: ['inline-s3'] });
  iam.on(ListMFADevicesCommand).resolves({
    MFADevices: options.mfa ? [{ UserName: 'alice', SerialNumber: 'arn:aws:iam::123456789012:mfa/alice', EnableDate: new Date('2024-02-02T00:00:00Z') }] : [],
  });
  iam.on(ListAccessKeysCommand).resolves({
    AccessKeyMetadata: [{ UserName: 'alice', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE', Status: 'Active', CreateDate: new Date('2025-11-30T10:00:00Z') }],
  });
  iam.on(GetAccessKeyLastUsedCommand).resolves({
    UserName: 'alice',
    AccessKeyLastUsed: { LastUsedDate: new Date('2026-11-29T23:00:00Z'), ServiceName: 's3', Region: 'us-east-1' },
  });
  if (options.console) iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: 'alice', CreateDate: new Date('2024-02-01T00:00:00Z'), PasswordResetRequired: false } });
  else iam.on(GetLoginProfileCommand).rejects(noSuchEntity('alice'));
};

describe('aws-iam', () => {
  test('a user name: groups, policies, MFA, keys with age and last use, console access', async () => {
    mockUser({ console: true, mfa: true });
    const result = await runInspector(createIamInspector({ now: () => NOW }), { type: 'username', key: 'user', value: 'alice' });
    for (const command of [GetUserCommand, ListGroupsForUserCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand, ListMFADevicesCommand, ListAccessKeysCommand, GetLoginProfileCommand]) {
      assert.deepEqual(iam.commandCalls(command as never).map((c) => (c.args[0] as { input: unknown }).input), [{ UserName: 'alice' }], command.name);
    }
    assert.deepEqual(iam.commandCalls(GetAccessKeyLastUsedCommand).map((c) => c.args[0].input), [{ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }]);
    assert.equal(result.findings.length, 1, 'MFA on: nothing suspicious');
    const [finding] = result.findings;
    assert.equal(finding?.title, 'IAM user alice: groups admins, policies AdministratorAccess, MFA, console access');
    assert.deepEqual(finding?.detail, {
      arn: 'arn:aws:iam::123456789012:user/alice',
      userId: 'AIDAJQABLZS4A3QDU576Q',
      createdAt: '2024-02-01T00:00:00.000Z',
      passwordLastUsedAt: undefined,
      groups: ['admins'],
      attachedPolicies: ['AdministratorAccess'],
      inlinePolicies: ['inline-s3'],
      mfaDevices: [{ serialNumber: 'arn:aws:iam::123456789012:mfa/alice', enabledAt: '2024-02-02T00:00:00.000Z' }],
      consoleAccess: true,
      accessKeys: [
        {
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          status: 'Active',
          createdAt: '2025-11-30T10:00:00.000Z',
          ageDays: 365,
          lastUsedAt: '2026-11-29T23:00:00.000Z',
          lastUsedService: 's3',
          lastUsedRegion: 'us-east-1',
        },
      ],
    });
  });

  test('console access without MFA is suspicious; no login profile means no console access', async () => {
    mockUser({ console: true, mfa: false });
    const risky = await runInspector(createIamInspector({ now: () => NOW }), { type: 'username', key: 'user', value: 'alice' });
    assert.deepEqual(risky.findings.map((f) => [f.verdict, f.title]), [
      ['info', 'IAM user alice: groups admins, policies AdministratorAccess, no MFA, console access'],
      ['suspicious', 'IAM user alice can sign in to the console without MFA'],
    ]);
    iam.reset();
    mockUser({ console: false, mfa: false });
    const keysOnly = await runInspector(createIamInspector({ now: () => NOW }), { type: 'username', key: 'user', value: 'alice' });
    assert.equal(keysOnly.findings.length, 1);
    assert.equal(keysOnly.findings[0]?.detail?.consoleAccess, false);
  });

  test('an access key: owner, status, age, last use; the owner comes back as a username attribute', async () => {
    mockUser({ console: false, mfa: false });
    const result = await runInspector(createIamInspector({ now: () => NOW }), { type: 'aws_access_key_id', key: 'key', value: 'AKIAIOSFODNN7EXAMPLE' });
    assert.deepEqual(iam.commandCalls(GetAccessKeyLastUsedCommand).map((c) => c.args[0].input), [{ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }]);
    assert.deepEqual(iam.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input), [{ UserName: 'alice' }]);
    assert.equal(iam.calls().length, 2);
    assert.equal(result.findings[0]?.title, 'access key AKIAIOSFODNN7EXAMPLE of IAM user alice: Active, 365 days old, last used 2026-11-29T23:00:00.000Z (s3, us-east-1)');
    assert.deepEqual(result.newAttributes, [{ type: 'username', key: 'owner of AKIAIOSFODNN7EXAMPLE', value: 'alice', context: ['subject'] }]);
  });

  test('a temporary key is not looked up in IAM', async () => {
    const result = await runInspector(createIamInspector(), { type: 'aws_access_key_id', key: 'key', value: 'ASIAIOSFODNN7EXAMPLE' });
    assert.equal(result.findings[0]?.title, 'ASIAIOSFODNN7EXAMPLE is a temporary (STS) access key');
    assert.equal(iam.calls().length, 0);
  });

  test('a role ARN (and an assumed-role ARN): policies, trust policy, last use', async () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    iam.on(GetRoleCommand, { RoleName: 'web-server' }).resolves({
      Role: {
        Path: '/',
        RoleName: 'web-server',
        RoleId: 'AROADBQP57FF2AEXAMPLE',
        Arn: 'arn:aws:iam::123456789012:role/web-server',
        CreateDate: new Date('2024-01-01T00:00:00Z'),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
        RoleLastUsed: { LastUsedDate: new Date('2026-11-30T09:00:00Z'), Region: 'us-east-1' },
      },
    });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    const role = await runInspector(createIamInspector(), { type: 'aws_arn', key: 'role', value: 'arn:aws:iam::123456789012:role/service/web-server' });
    assert.equal(role.findings[0]?.title, 'IAM role web-server: policies AmazonS3ReadOnlyAccess, last used 2026-11-30T09:00:00.000Z');
    assert.deepEqual(role.findings[0]?.detail?.trustPolicy, trust);
    const session = await runInspector(createIamInspector(), { type: 'aws_arn', key: 'actor', value: 'arn:aws:sts::123456789012:assumed-role/web-server/i-0abc1234def567890' });
    assert.equal(session.findings[0]?.title, role.findings[0]?.title);
    assert.deepEqual(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input), [{ RoleName: 'web-server' }, { RoleName: 'web-server' }]);
  });

  test('names that are not IAM principals give nothing and call nothing', async () => {
    iam.on(GetUserCommand).rejects(noSuchEntity('bob'));
    assert.deepEqual(await runInspector(createIamInspector(), { type: 'username', key: 'os user', value: 'EC2AMAZ\\admin' }), { findings: [] });
    assert.deepEqual(await runInspector(createIamInspector(), { type: 'aws_arn', key: 'bucket', value: 'arn:aws:s3:::my-bucket' }), { findings: [] });
    assert.equal(iam.calls().length, 0);
    assert.deepEqual(await runInspector(createIamInspector(), { type: 'username', key: 'user', value: 'bob' }), { findings: [] });
    assert.equal(iam.calls().length, 1);
  });

  test('an error other than "not here" fails the inspection', async () => {
    iam.on(GetUserCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await assert.rejects(runInspector(createIamInspector(), { type: 'username', key: 'user', value: 'alice' }), { name: 'Throttling' });
  });
});

test('principal of an ARN', () => {
  assert.deepEqual(principalOfArn('arn:aws:iam::123456789012:user/dev/alice'), { kind: 'user', name: 'alice', account: '123456789012' });
  assert.deepEqual(principalOfArn('arn:aws-us-gov:sts::123456789012:assumed-role/ops/alice@example.com'), { kind: 'role', name: 'ops', account: '123456789012' });
  assert.equal(principalOfArn('arn:aws:iam::123456789012:group/admins'), undefined);
  assert.equal(principalOfArn('arn:aws:sts::123456789012:user/alice'), undefined);
});
