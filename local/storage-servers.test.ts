/**
 * String storage (local/dynalite-string-store.mjs) must be installed before dynalite loads. A
 * process that imported dynalite itself first gets a clear error from the storage servers rather
 * than stores that quietly keep Buffers. Isolated (vitest.config.ts): it loads dynalite on purpose.
 */
import dynalite from 'dynalite';
import { expect, test } from 'vitest';
import { startLocalServers } from './servers.ts';

test('storage servers started after dynalite was imported elsewhere refuse to start, naming the fix', async () => {
  expect(dynalite).toBeTypeOf('function');
  await expect(startLocalServers({ tableName: 'loaded-first', bucketName: 'loaded-first' })).rejects.toThrow(
    'dynalite was loaded before local/storage-servers.mjs: start it through startLocalServers (local/servers.ts), not by importing dynalite',
  );
});
