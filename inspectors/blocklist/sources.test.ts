import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { BlocklistError } from './errors.ts';
import { loadBlocklist, parseSource } from './sources.ts';

/** Enough of an SDK stream for transformToString(). */
const s3Body = (text: string) => ({ transformToString: async () => text }) as never;

describe('parseSource', () => {
  test('names a list after its file unless named explicitly', () => {
    assert.deepEqual(parseSource('lists/tor-exit-nodes.txt'), { name: 'tor-exit-nodes', location: 'lists/tor-exit-nodes.txt' });
    assert.deepEqual(parseSource(' bad=lists/x.txt '), { name: 'bad', location: 'lists/x.txt' });
    assert.deepEqual(parseSource('s3://intel/feeds/c2.list'), { name: 'c2', location: 's3://intel/feeds/c2.list' });
    assert.deepEqual(parseSource('c2=s3://intel/feeds/latest'), { name: 'c2', location: 's3://intel/feeds/latest' });
  });

  test('refuses sources it cannot use', () => {
    assert.throws(() => parseSource('name='), BlocklistError);
    assert.throws(() => parseSource('s3://bucket-only'), /must look like s3:\/\/bucket\/key/);
    assert.throws(() => parseSource('lists/my list.txt'), /write it as name=lists\/my list\.txt/);
  });
});

describe('loadBlocklist', () => {
  test('reads a local file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blocklist-'));
    await writeFile(join(dir, 'l.txt'), 'evil.example\n');
    const list = await loadBlocklist({ name: 'l', location: join(dir, 'l.txt') }, () => assert.fail('no S3 for files'));
    assert.ok(list.domains.has('evil.example'));
  });

  test('reads an S3 object with the given bucket and key', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    mock.on(GetObjectCommand).resolves({ Body: s3Body('203.0.113.0/24\n') });
    const list = await loadBlocklist({ name: 'c2', location: 's3://intel/feeds/c2.txt' }, () => s3);
    assert.equal(list.ranges.length, 1);
    assert.deepEqual(mock.commandCalls(GetObjectCommand)[0]?.args[0].input, { Bucket: 'intel', Key: 'feeds/c2.txt' });
  });

  test('a missing file is a BlocklistError naming the list, with the cause kept', async () => {
    await assert.rejects(loadBlocklist({ name: 'gone', location: '/nonexistent/gone.txt' }, () => new S3Client({})), (error: unknown) => {
      assert.ok(error instanceof BlocklistError);
      assert.match(error.message, /cannot read blocklist gone from \/nonexistent\/gone\.txt: ENOENT/);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });
});
