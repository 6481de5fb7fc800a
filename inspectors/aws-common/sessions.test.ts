import assert from 'node:assert/strict';
import { beforeEach, test } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsSessions, type ClientConfig } from './sessions.ts';

const sts = mockClient(STSClient);
beforeEach(() => sts.reset());

test('another account: credentials from AssumeRole on the configured role, reused until 5 minutes before expiry', async () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  const expiration = new Date(now + 15 * 60_000);
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIAEXAMPLEASSUMED01', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
    AssumedRoleUser: { AssumedRoleId: 'AROAEXAMPLE:alertwarden-inspect', Arn: 'arn:aws:sts::111122223333:assumed-role/AlertWardenInspect/alertwarden-inspect' },
  });
  const made: ClientConfig[] = [];
  const sessions = new AwsSessions((config) => made.push(config), { region: 'eu-west-1', accounts: ['111122223333'], roleName: 'AlertWardenInspect', now: () => now });
  assert.deepEqual(sessions.targets(), [undefined, '111122223333']);
  sessions.client('111122223333');
  sessions.client('111122223333');
  assert.equal(made.length, 1, 'one client per account');
  const provider = made[0]!.credentials!;
  const first = await provider();
  assert.equal(first.accessKeyId, 'ASIAEXAMPLEASSUMED01');
  assert.deepEqual(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input), [
    { RoleArn: 'arn:aws:iam::111122223333:role/AlertWardenInspect', RoleSessionName: 'alertwarden-inspect', DurationSeconds: 900 },
  ]);
  now += 9 * 60_000;
  await provider();
  assert.equal(sts.commandCalls(AssumeRoleCommand).length, 1, 'still 6 minutes left: reused');
  now += 2 * 60_000;
  await provider();
  assert.equal(sts.commandCalls(AssumeRoleCommand).length, 2, 'renewed inside the last 5 minutes');
});

test('partition follows the region', async () => {
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'A', SecretAccessKey: 'B', SessionToken: 'C', Expiration: new Date(Date.now() + 3_600_000) } });
  const made: ClientConfig[] = [];
  const sessions = new AwsSessions((config) => made.push(config), { region: 'cn-north-1', accounts: ['111122223333'], roleName: 'R' });
  sessions.client('111122223333');
  await made[0]!.credentials!();
  assert.equal(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn, 'arn:aws-cn:iam::111122223333:role/R');
});
