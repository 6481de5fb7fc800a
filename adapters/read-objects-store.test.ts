/** The read-files ledger on DynamoDB (dynalite through the real SDK): claims, leases, markers. */
import assert from 'node:assert/strict';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from '../local/servers.ts';
import { DynamoDbReadObjectsLedger, READ_MARKER_SECONDS } from './read-objects-store.ts';

let servers: LocalServers;
let client: DynamoDBClient;
let nowMs = Date.UTC(2026, 10, 20, 10, 0, 0);
const ledger = () => new DynamoDbReadObjectsLedger(client, 'read-objects-test', () => nowMs);
const ref = (key: string, version?: string) => ({ bucket: 'logs', key, ...(version ? { version } : {}) });

beforeAll(async () => {
  servers = await startLocalServers({ tableName: 'read-objects-test', bucketName: 'read-objects-test' });
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  client?.destroy();
  await servers?.stop();
});

describe('read-files ledger', () => {
  test('a file read once is not claimed again; another version of the key is', async () => {
    const first = await ledger().claim(ref('a.log.gz', 'e:"1":01'), 60_000);
    assert.ok(first);
    await ledger().complete(first);
    assert.equal(await ledger().claim(ref('a.log.gz', 'e:"1":01'), 60_000), undefined);
    assert.ok(await ledger().claim(ref('a.log.gz', 'e:"2":02'), 60_000), 'a new write of the key');
  });

  test('a file being read is not claimed twice until its reader\'s lease runs out', async () => {
    const held = await ledger().claim(ref('b.log.gz'), 60_000);
    assert.ok(held);
    assert.equal(await ledger().claim(ref('b.log.gz'), 60_000), undefined, 'lease still running');
    nowMs += 60_001;
    const retaken = await ledger().claim(ref('b.log.gz'), 60_000);
    assert.ok(retaken, 'the lease ran out (the reader crashed or timed out)');
    // The first reader's late release must not drop the second reader's claim.
    await ledger().release(held);
    assert.equal(await ledger().claim(ref('b.log.gz'), 60_000), undefined);
  });

  test('a released claim can be taken again at once: the retry of a failed read', async () => {
    const failed = await ledger().claim(ref('c.log.gz'), 60_000);
    assert.ok(failed);
    await ledger().release(failed);
    assert.ok(await ledger().claim(ref('c.log.gz'), 60_000));
  });

  test('a read marker past its expiry counts as absent, whether or not TTL has deleted it', async () => {
    const read = await ledger().claim(ref('d.log.gz'), 60_000);
    await ledger().complete(read!);
    nowMs += (READ_MARKER_SECONDS - 60) * 1000;
    assert.equal(await ledger().claim(ref('d.log.gz'), 60_000), undefined, 'still within its life');
    nowMs += 120_000;
    assert.ok(await ledger().claim(ref('d.log.gz'), 60_000), 'expired');
  });
});
