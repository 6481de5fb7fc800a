/**
 * The CLI's default quarantine is a dry run planned offline: it must not load the EC2 or IAM
 * clients or the ledger's lib-dynamodb (~0.18 s of CPU for EC2 alone per run). Each package is
 * replaced by itself plus a record of being loaded, so the test sees what an emit imports.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, expect, test, vi } from 'vitest';
import type { Report } from '../../core/report.ts';
import { makeAttribute, makeEmitContext, makeReport } from '../../core/testing.ts';
import { LOCAL_CREDENTIALS } from '../../local/servers.ts';

const loaded = vi.hoisted(() => new Set<string>());
// No EC2 endpoint here: the client is mocked as it loads, and its calls are recorded.
const ec2 = vi.hoisted(() => ({ mock: undefined as undefined | { calls(): { args: unknown[] }[]; restore(): void } }));
vi.mock('@aws-sdk/client-ec2', async (importOriginal) => {
  loaded.add('client-ec2');
  const module = await importOriginal<typeof import('@aws-sdk/client-ec2')>();
  const mock = mockClient(module.EC2Client);
  mock.resolves({});
  ec2.mock = mock;
  return module;
});
vi.mock('@aws-sdk/client-iam', async (importOriginal) => (loaded.add('client-iam'), importOriginal()));
vi.mock('@aws-sdk/lib-dynamodb', async (importOriginal) => (loaded.add('lib-dynamodb'), importOriginal()));

const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: LOCAL_CREDENTIALS });
afterAll(() => {
  dynamodb.destroy();
  ec2.mock?.restore();
});

const env = (extra: Record<string, string>) => ({
  ALERTWARDEN_TABLE: 'alertwarden-test',
  AWS_REGION: 'us-east-1',
  ALERTWARDEN_QUARANTINE_MODE: 'dry-run',
  ALERTWARDEN_QUARANTINE_MIN_SEVERITY: 'high',
  ...extra,
});

const highReportNaming = (type: 'aws_instance_id' | 'aws_access_key_id', value: string): Report =>
  makeReport({ phase: 'final', verdict: { severity: 'critical', reason: 'test' }, attributes: [makeAttribute({ type, key: 'target', value, origin: 'alert' })] });

const quarantineOf = async (extra: Record<string, string>) => {
  const { builtinEmitters } = await import('../index.ts');
  return builtinEmitters(env(extra), { dynamodb: async () => dynamodb }).find((e) => e.name === 'quarantine')!;
};

test('an offline dry run plans an instance and a key quarantine without loading the EC2 or IAM clients or lib-dynamodb', async () => {
  const quarantine = await quarantineOf({ ALERTWARDEN_QUARANTINE_OFFLINE: 'true' });
  const instance = await quarantine.emit(highReportNaming('aws_instance_id', 'i-0a1b2c3d4e5f60718'), makeEmitContext());
  const key = await quarantine.emit(highReportNaming('aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE'), makeEmitContext());
  expect(instance.detail, 'the instance quarantine was planned').toMatch(/^dry-run: planned ec2:DescribeInstances i-0a1b2c3d4e5f60718/);
  expect(key.detail, 'the key quarantine was planned').toMatch(/^dry-run: planned iam:GetAccessKeyLastUsed AKIAIOSFODNN7EXAMPLE/);
  expect([...loaded]).toEqual([]);
});

test('a dry run that reads AWS loads the EC2 client when a report names an instance, and only then', async () => {
  loaded.clear();
  const quarantine = await quarantineOf({});
  await quarantine.emit(makeReport({ phase: 'final', verdict: { severity: 'low', reason: 'test' } }), makeEmitContext());
  const belowThreshold = [...loaded];
  await Promise.resolve(quarantine.emit(highReportNaming('aws_instance_id', 'i-0a1b2c3d4e5f60718'), makeEmitContext())).catch(() => undefined);
  expect(belowThreshold).toEqual([]);
  expect([...loaded]).toContain('client-ec2');
  expect([...loaded]).not.toContain('client-iam');
  expect(ec2.mock?.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name)).toEqual(['DescribeInstancesCommand']);
});
