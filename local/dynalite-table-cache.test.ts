import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { installTableCache, type TableCacheStats } from './dynalite-table-cache.mjs';

// dynalite as local/storage-servers.mjs loads it (this test's copy, in a process of its own:
// vitest.config.ts; the original db module is restored after the file all the same).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const dynalite = fromDynalite('dynalite') as (options: object) => Server;
type Callback = (err: (Error & { body?: { __type: string; message: string } }) | null, table?: Record<string, unknown>) => void;
interface Store {
  getTable(name: string, checkStatus: boolean | Callback, cb?: Callback): void;
  tableDb: { put(key: string, value: unknown, cb: (err?: Error) => void): void };
}
const dbModule = fromDynalite('./db/index.js') as { create: (options: object) => Store };
const originalCreate = dbModule.create;

/** A signed-looking request: dynalite checks the Authorization header's shape, not the signature. */
const call = async (server: Server, operation: string, body: unknown) => {
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20261201T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, crc32: response.headers.get('x-amz-crc32'), body: await response.text() };
};
const listen = (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const keyed = (name: string, range = false) => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(range ? [{ AttributeName: 'sk', AttributeType: 'S' }] : [])],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(range ? [{ AttributeName: 'sk', KeyType: 'RANGE' }] : [])],
});
const waitActive = async (server: Server, name: string) => {
  for (let i = 0; i < 200; i++) {
    if ((await call(server, 'DescribeTable', { TableName: name })).body.includes('"TableStatus":"ACTIVE"')) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${name} never became ACTIVE`);
};
const waitGone = async (server: Server, name: string) => {
  for (let i = 0; i < 200; i++) {
    if ((await call(server, 'DescribeTable', { TableName: name })).status === 400) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${name} was never deleted`);
};

let plain: Server;
let cached: Server;
let stats: TableCacheStats;

beforeAll(async () => {
  plain = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  stats = installTableCache(fromDynalite);
  cached = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await Promise.all([listen(plain), listen(cached)]);
});

afterAll(async () => {
  dbModule.create = originalCreate;
  await Promise.all([plain && close(plain), cached && close(cached)]);
});

describe('dynalite table description cache', () => {
  test('installing twice keeps one cache', () => {
    expect(installTableCache(fromDynalite)).toBe(stats);
  });

  test('item operations answer byte for byte as without the cache (bodies, status codes, x-amz-crc32), and read the description once', async () => {
    for (const server of [plain, cached]) {
      await call(server, 'CreateTable', keyed('reports', true));
      await waitActive(server, 'reports');
    }
    const item = (i: number) => ({ pk: { S: `REPORT#${i % 3}` }, sk: { S: `ALERT#${i}` }, severity: { S: 'high' }, n: { N: String(i) } });
    const requests: [string, unknown][] = [];
    for (let i = 0; i < 12; i++) {
      requests.push(['PutItem', { TableName: 'reports', Item: item(i), ReturnConsumedCapacity: 'INDEXES', ...(i % 4 === 0 ? { ReturnValues: 'ALL_OLD' } : {}) }]);
      requests.push(['GetItem', { TableName: 'reports', Key: { pk: item(i).pk, sk: item(i).sk }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }]);
      requests.push(['UpdateItem', { TableName: 'reports', Key: { pk: item(i).pk, sk: item(i).sk }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' }]);
    }
    requests.push(
      ['Query', { TableName: 'reports', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'REPORT#1' } }, ReturnConsumedCapacity: 'TOTAL' }],
      ['BatchWriteItem', { RequestItems: { reports: Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: item(100 + i) } })) }, ReturnConsumedCapacity: 'TOTAL' }],
      ['BatchGetItem', { RequestItems: { reports: { Keys: [{ pk: item(100).pk, sk: item(100).sk }], ConsistentRead: true } } }],
      ['DeleteItem', { TableName: 'reports', Key: { pk: item(3).pk, sk: item(3).sk }, ReturnValues: 'ALL_OLD' }],
      ['Scan', { TableName: 'reports', Limit: 5 }],
      // Refusals: a key missing from the item, a wrong key type, a table that does not exist, a failed condition.
      ['PutItem', { TableName: 'reports', Item: { pk: { S: 'REPORT#9' } } }],
      ['GetItem', { TableName: 'reports', Key: { pk: { N: '1' }, sk: { S: 'x' } } }],
      ['PutItem', { TableName: 'no-such-table', Item: item(1) }],
      ['PutItem', { TableName: 'reports', Item: item(1), ConditionExpression: 'attribute_not_exists(pk)' }],
      ['BatchWriteItem', { RequestItems: { reports: [{ PutRequest: { Item: { pk: { S: 'REPORT#9' } } } }] } }],
    );
    const before = { ...stats };
    for (const [operation, body] of requests) {
      const [expected, actual] = [await call(plain, operation, body), await call(cached, operation, body)];
      expect(actual, `${operation} ${JSON.stringify(body).slice(0, 120)}`).toStrictEqual(expected);
    }
    const counted = { hits: stats.hits - before.hits, misses: stats.misses - before.misses };
    // Read from the store twice: the first call on the table, and the table that does not exist
    // (errors are never kept); every other call (the batch's 20 puts too) found it cached.
    expect(counted.misses, `table reads: ${JSON.stringify(counted)}`).toBe(2);
    expect(counted.hits).toBeGreaterThan(requests.length + 20 - 3);
  });

  test('a table deleted and created again with another key is seen by the next call', async () => {
    const item = { pk: { S: 'REPORT#1' } };
    await call(cached, 'CreateTable', keyed('recreated'));
    await waitActive(cached, 'recreated');
    expect((await call(cached, 'PutItem', { TableName: 'recreated', Item: item })).status).toBe(200);
    expect((await call(cached, 'GetItem', { TableName: 'recreated', Key: item })).body).toContain('REPORT#1');
    await call(cached, 'DeleteTable', { TableName: 'recreated' });
    // DELETING, then gone: refused either way, never served from the cache.
    expect((await call(cached, 'PutItem', { TableName: 'recreated', Item: item })).body).toContain('ResourceNotFoundException');
    await waitGone(cached, 'recreated');
    await call(cached, 'CreateTable', keyed('recreated', true));
    await waitActive(cached, 'recreated');
    // The new key schema has a range key: the old description would have accepted this item.
    const refused = await call(cached, 'PutItem', { TableName: 'recreated', Item: item });
    expect(refused.body).toBe('{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Missing the key sk in the item"}');
    expect((await call(cached, 'PutItem', { TableName: 'recreated', Item: { ...item, sk: { S: 'META' } } })).status).toBe(200);
  });

  test('a table is refused while CREATING and served once ACTIVE (the flip is a write too)', async () => {
    const slow = dynalite({ createTableMs: 150 });
    await listen(slow);
    try {
      await call(slow, 'CreateTable', keyed('slow'));
      const early = await call(slow, 'GetItem', { TableName: 'slow', Key: { pk: { S: 'a' } } });
      expect(early.body).toBe('{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}');
      await waitActive(slow, 'slow');
      expect((await call(slow, 'GetItem', { TableName: 'slow', Key: { pk: { S: 'a' } } })).body).toBe('{}');
    } finally {
      await close(slow);
    }
  });

  test('an UpdateTable is seen by the next call, and a description read while a write was in flight is not kept', async () => {
    const store = dbModule.create({ createTableMs: 0 });
    const get = (checkStatus: boolean) =>
      new Promise<Record<string, unknown>>((resolve, reject) => store.getTable('t', checkStatus, (err, table) => (err ? reject(err) : resolve(table!))));
    const put = (value: unknown) => new Promise<void>((resolve, reject) => store.tableDb.put('t', value, (err) => (err ? reject(err) : resolve())));
    const description = (status: string, note: string) => ({ TableName: 't', TableStatus: status, note, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] });
    await put(description('ACTIVE', 'first'));
    expect((await get(true)).note).toBe('first');
    expect((await get(true)).note, 'cached').toBe('first');
    // After a write (the cache empty), a read issued, then a write issued before the read answers:
    // the read's answer (the description before that write) may not stay.
    await put(description('ACTIVE', 'second'));
    const reading = new Promise<Record<string, unknown>>((resolve) => store.getTable('t', (_err, table) => resolve(table!)));
    await put(description('ACTIVE', 'third'));
    expect((await reading).note, 'read as the store held it when asked').toBe('second');
    expect((await get(true)).note).toBe('third');
    const read = (callback: () => void) => store.getTable('t', () => callback());
    // A read that starts while a write is in flight and answers after it completes is not kept either.
    await new Promise<void>((resolve) => {
      store.tableDb.put('t', description('UPDATING', 'in flight'), () => undefined);
      read(resolve);
    });
    await put(description('ACTIVE', 'fourth'));
    expect((await get(true)).note).toBe('fourth');
    // UpdateTable's own read gets a fresh object it may change; item operations get a frozen one.
    const own = await get(false);
    own.note = 'changed by UpdateTable before its write';
    const shared = await get(true);
    expect(shared.note).toBe('fourth');
    expect(Object.isFrozen(shared) && Object.isFrozen(shared.KeySchema) && Object.isFrozen((shared.KeySchema as object[])[0])).toBe(true);
    expect(() => {
      (shared as { note: string }).note = 'changed by a caller';
    }).toThrow(TypeError);
    expect((await get(true)).note).toBe('fourth');
  });
});
