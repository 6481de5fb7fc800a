import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'vitest';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretError } from '../core/secrets.ts';
import { SsmSecretReader } from './ssm-secrets.ts';

const NAME = '/alertwarden/test/slack-webhook';
const VALUE = 'https://hooks.slack.com/services/T000/B000/s3cr3t-t0ken';

const setup = (options: { now?: () => number; ttlMs?: number } = {}) => {
  const client = new SSMClient({ region: 'eu-west-1' });
  const ssm = mockClient(client);
  ssm.on(GetParameterCommand, { Name: NAME, WithDecryption: true }).resolves({ Parameter: { Name: NAME, Type: 'SecureString', Value: VALUE } });
  return { ssm, reader: new SsmSecretReader(client, options) };
};

describe('SsmSecretReader', () => {
  test('reads a SecureString with decryption: exactly one GetParameter with the name', async () => {
    const { ssm, reader } = setup();
    assert.equal(await reader.read(NAME), VALUE);
    assert.deepEqual(
      ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input),
      [{ Name: NAME, WithDecryption: true }],
    );
  });

  test('caches per name until the TTL passes, and concurrent reads share one call', async () => {
    let now = 1_000;
    const { ssm, reader } = setup({ now: () => now, ttlMs: 60_000 });
    assert.deepEqual(await Promise.all([reader.read(NAME), reader.read(NAME), reader.read(NAME)]), [VALUE, VALUE, VALUE]);
    now += 59_999;
    await reader.read(NAME);
    assert.equal(ssm.commandCalls(GetParameterCommand).length, 1);
    now += 1;
    await reader.read(NAME);
    assert.equal(ssm.commandCalls(GetParameterCommand).length, 2, 'a rotated value is picked up after the TTL');
  });

  test('a missing parameter fails with the name only, and the failure is not cached', async () => {
    const { ssm, reader } = setup();
    ssm.on(GetParameterCommand, { Name: '/alertwarden/test/missing' }).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const missing = reader.read('/alertwarden/test/missing');
    await assert.rejects(missing, (error: unknown) => {
      assert.ok(error instanceof SecretError);
      assert.equal(error.message, 'secret "/alertwarden/test/missing" does not exist in SSM Parameter Store');
      return true;
    });
    await assert.rejects(reader.read('/alertwarden/test/missing'), SecretError);
    assert.equal(ssm.commandCalls(GetParameterCommand, { Name: '/alertwarden/test/missing' }).length, 2);
  });

  test('throttling is reported by code, and an empty value is an error, not an empty secret', async () => {
    const { ssm, reader } = setup();
    ssm.on(GetParameterCommand, { Name: '/a/throttled' }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    ssm.on(GetParameterCommand, { Name: '/a/empty' }).resolves({ Parameter: { Name: '/a/empty', Value: '' } });
    await assert.rejects(reader.read('/a/throttled'), /secret "\/a\/throttled" could not be read from SSM \(ThrottlingException\)/);
    await assert.rejects(reader.read('/a/empty'), /secret "\/a\/empty" has no value/);
  });

  test('the reader never shows a cached value: not in inspect, JSON or string form', async () => {
    const { reader } = setup();
    await reader.read(NAME);
    for (const shown of [inspect(reader, { depth: 10, showHidden: true }), JSON.stringify(reader), String(reader)]) {
      assert.ok(!shown.includes('s3cr3t'), shown);
    }
    assert.match(JSON.stringify(reader), /slack-webhook/, 'names are fine to show');
  });
});
