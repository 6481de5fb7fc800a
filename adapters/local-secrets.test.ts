import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, test } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { SecretError } from '../core/secrets.ts';
import { fileSecretReader } from './local-secrets.ts';

test('a local secrets file serves values under the same names as SSM; errors never quote the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-secrets-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'secrets.json');
  await writeFile(good, JSON.stringify({ '/alertwarden/dev/webhook': 'tok-123' }));
  const reader = fileSecretReader(good);
  assert.equal(await reader.read('/alertwarden/dev/webhook'), 'tok-123');
  await assert.rejects(reader.read('/alertwarden/dev/other'), (e: unknown) => e instanceof SecretError && /"\/alertwarden\/dev\/other" is not configured/.test(e.message));

  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"/alertwarden/dev/webhook": "tok-456"');
  await assert.rejects(fileSecretReader(broken).read('/alertwarden/dev/webhook'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.ok(!e.message.includes('tok-456'));
    return true;
  });
  await writeFile(broken, JSON.stringify({ '/a': 7 }));
  await assert.rejects(fileSecretReader(broken).read('/a'), /one JSON object of parameter names to string values/);
});
