import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidPolicyError, PolicyError } from './errors.ts';
import { loadPolicy } from './load.ts';

const policy = { default: { severity: 'low', reason: 'fine' }, rules: [] };
/** Enough of an SDK stream for transformToString(). */
const s3Body = (text: string) => ({ transformToString: async () => text }) as never;

describe('loadPolicy', () => {
  test('reads a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    await writeFile(join(dir, 'p.json'), JSON.stringify(policy));
    assert.deepEqual(await loadPolicy(join(dir, 'p.json')), policy);
  });

  test('reads s3://bucket/key', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    mock.on(GetObjectCommand).resolves({ Body: s3Body(JSON.stringify(policy)) });
    assert.deepEqual(await loadPolicy('s3://config/review/policy.json', s3), policy);
    assert.deepEqual(mock.commandCalls(GetObjectCommand)[0]?.args[0].input, { Bucket: 'config', Key: 'review/policy.json' });
  });

  test('errors name the location', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    await writeFile(join(dir, 'bad.json'), '{ "default": ');
    await writeFile(join(dir, 'invalid.json'), JSON.stringify({ default: { severity: 'loud', reason: 'x' } }));
    await assert.rejects(loadPolicy(join(dir, 'missing.json')), (e: unknown) => e instanceof PolicyError && /cannot read review policy .*missing\.json: ENOENT/.test(e.message));
    await assert.rejects(loadPolicy(join(dir, 'bad.json')), (e: unknown) => e instanceof PolicyError && /bad\.json is not valid JSON/.test(e.message));
    await assert.rejects(
      loadPolicy(join(dir, 'invalid.json')),
      (e: unknown) => e instanceof InvalidPolicyError && e.origin.endsWith('invalid.json') && e.issues[0]?.path === 'default.severity',
    );
    await assert.rejects(loadPolicy('s3://only-bucket'), /must look like s3:\/\/bucket\/key/);
  });
});
