/**
 * The storage servers in this process: reachable both without a socket (the runtime's SDK
 * clients, served in turns) and over loopback HTTP (other processes); DynamoDB's fault injection
 * reaches both paths; dynalite's savings are counted; a stopped server refuses requests instead
 * of hanging, and a server nobody stopped does not hold the process open.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createAwsClients } from '../adapters/aws-clients.ts';
import { listeningSockets } from '../test/support/open-descriptors.ts';
import { nodeArgsFor } from '../test/support/typescript.ts';
import { LOCAL_CREDENTIALS, localServerEnv, servedInTurns, startLocalServers, type LocalServers } from './servers.ts';
import type { WireRequest, WireResponse } from './inprocess-transport.ts';
import { startStorageServers } from './storage-servers.mjs';

const TABLE = 'servers-test';
let servers: LocalServers;
let inProcess: DynamoDBClient;
let overSocket: DynamoDBClient;

const key = { pk: { S: 'REPORT#1' }, sk: { S: 'META' } };
const read = (client: DynamoDBClient) => client.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));

beforeAll(async () => {
  servers = await startLocalServers({ tableName: TABLE, bucketName: 'servers-test' });
  const base = { region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  inProcess = new DynamoDBClient({ ...base, requestHandler: servers.dynamodbRequestHandler });
  overSocket = new DynamoDBClient(base);
});

afterAll(async () => {
  inProcess?.destroy();
  overSocket?.destroy();
  await servers?.stop();
});

test('one table behind both paths: a write without a socket is read over HTTP', async () => {
  for (let i = 0; i < 200; i++) await inProcess.send(new PutItemCommand({ TableName: TABLE, Item: { ...key, n: { N: String(i) } } }));
  expect((await read(overSocket)).Item?.n?.N).toBe('199');
});

test('requests in flight together all get their own answers', async () => {
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      inProcess
        .send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `BATCH#${i}` }, sk: { S: 'META' }, n: { N: String(i) } } }))
        .then(() => inProcess.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `BATCH#${i}` }, sk: { S: 'META' } }, ConsistentRead: true }))),
    ),
  );
  expect(results.map((r) => Number(r.Item?.n?.N))).toEqual(Array.from({ length: 40 }, (_, i) => i));
});

test('dynalite parses each distinct expression once (the memo is installed), and types are checked by the compiled check', async () => {
  const start = await servers.storageUsage();
  const before = start.expressionParses;
  for (let i = 0; i < 30; i++) {
    await inProcess.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'MEMO#1' }, sk: { S: 'META' } },
        UpdateExpression: 'SET round = if_not_exists(round, :zero) + :one, note = :note',
        ConditionExpression: 'attribute_not_exists(pk) OR round < :limit',
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':note': { S: `call ${i}` }, ':limit': { N: '1000' } },
      }),
    );
  }
  const end = await servers.storageUsage();
  const after = end.expressionParses;
  const counted = { parses: after.parses - before.parses, hits: after.hits - before.hits };
  // Two expressions per call, 30 calls: the parser ran for the first call only.
  expect(counted, `dynalite parses over 30 UpdateItem calls: ${JSON.stringify(counted)}`).toStrictEqual({ parses: 2, hits: 58 });
  expect((await inProcess.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'MEMO#1' }, sk: { S: 'META' } }, ConsistentRead: true }))).Item?.round?.N).toBe('30');
  // The request types too are checked by the compiled check (local/dynalite-type-check.mjs), none left to dynalite's own.
  const checks = { compiled: end.typeChecks.compiled - start.typeChecks.compiled, original: end.typeChecks.original - start.typeChecks.original };
  expect(checks, `type checks over 30 UpdateItem calls: ${JSON.stringify(checks)}`).toStrictEqual({ compiled: 30, original: 0 });
  // The table's description came from memory (local/dynalite-table-cache.mjs: read from the store before, by the
  // earlier tests), and each response's checksum from zlib (local/dynalite-crc32.mjs).
  const tables = { hits: end.tableCache.hits - start.tableCache.hits, misses: end.tableCache.misses - start.tableCache.misses };
  expect(tables, `table descriptions over 30 UpdateItem calls: ${JSON.stringify(tables)}`).toStrictEqual({ hits: 30, misses: 0 });
  expect(end.nativeCrc32 - start.nativeCrc32, 'response checksums by zlib').toBe(30);
  expect(end.pooledRequestIds - start.pooledRequestIds, 'request ids from the pool').toBe(30);
  // Each UpdateItem reads its item once (the description came from the cache), by getSync.
  const reads = { sync: end.syncGets.sync - start.syncGets.sync, original: end.syncGets.original - start.syncGets.original };
  expect(reads, `item reads over 30 UpdateItem calls: ${JSON.stringify(reads)}`).toStrictEqual({ sync: 30, original: 0 });
  // One store key per call, its hash-key part from memory after the first (local/dynalite-key-memo.mjs); the
  // key's values checked without big.js (local/dynalite-number-check.mjs).
  const keys = { hits: end.keyMemo.hits - start.keyMemo.hits, computed: end.keyMemo.computed - start.keyMemo.computed, original: end.keyMemo.original - start.keyMemo.original };
  expect(keys, `store keys over 30 UpdateItem calls: ${JSON.stringify(keys)}`).toStrictEqual({ hits: 29, computed: 1, original: 0 });
  const values = { fast: end.numberChecks.fast - start.numberChecks.fast, original: end.numberChecks.original - start.numberChecks.original };
  // Per call the key's pk and sk (expression values are checked by a call inside dynalite's module, left as it is).
  expect(values, `attribute values checked over 30 UpdateItem calls: ${JSON.stringify(values)}`).toStrictEqual({ fast: 30 * 2, original: 0 });
});

test('the in-memory store keeps text, and sort keys still come back in DynamoDB order (UTF-8 bytes, not UTF-16 units)', async () => {
  const usage = await servers.storageUsage();
  // dynalite's table store was opened with string storage (local/dynalite-string-store.mjs).
  expect(usage.stringStores, `string stores opened: ${usage.stringStores}`).toBeGreaterThan(0);
  // Sorted by UTF-8 bytes, as DynamoDB sorts strings: U+E000 (EE 80 80) before U+1F600 (F0 9F 98 80),
  // the other way round as UTF-16 code units (D83D < E000).
  const sortKeys = ['z', 'A', '\u00e9', '\u{1F600}', '\uE000', 'a/b', 'a', '0'];
  for (const sk of sortKeys) await inProcess.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'ORDER#1' }, sk: { S: sk }, v: { S: `value of ${sk}` } } }));
  const { Items = [] } = await overSocket.send(
    new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'ORDER#1' } }, ConsistentRead: true }),
  );
  const byBytes = [...sortKeys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  expect(Items.map((item) => item.sk!.S)).toEqual(byBytes);
  expect(Items.map((item) => item.v!.S)).toEqual(byBytes.map((sk) => `value of ${sk}`));
});

test('paused DynamoDB fails requests on both paths as a dropped connection; resumed, the data is still there', async () => {
  await servers.pauseDynamoDb();
  await expect(read(inProcess)).rejects.toMatchObject({ code: 'ECONNRESET' });
  await expect(read(overSocket)).rejects.toThrow();
  await servers.resumeDynamoDb();
  expect((await read(inProcess)).Item?.n?.N).toBe('199');
  expect((await read(overSocket)).Item?.n?.N).toBe('199');
});

test('S3: one bucket behind both paths', async () => {
  const [socketless, overHttp]: [S3Client, S3Client] = await Promise.all([
    createAwsClients(localServerEnv(servers), { s3: servers.s3RequestHandler }).then((c) => c.s3),
    createAwsClients(localServerEnv(servers)).then((c) => c.s3),
  ]);
  try {
    const body = JSON.stringify({ id: 'r-9', severity: 'high', pad: 'x'.repeat(3000) });
    for (let i = 0; i < 50; i++) await socketless.send(new PutObjectCommand({ Bucket: 'servers-test', Key: `reports/r-9/v${i}.json`, Body: body }));
    const read = await overHttp.send(new GetObjectCommand({ Bucket: 'servers-test', Key: 'reports/r-9/v49.json' }));
    expect(await read.Body!.transformToString()).toBe(body);
    await overHttp.send(new PutObjectCommand({ Bucket: 'servers-test', Key: 'from-http.json', Body: '{"via":"socket"}' }));
    expect(await (await socketless.send(new GetObjectCommand({ Bucket: 'servers-test', Key: 'from-http.json' }))).Body!.transformToString()).toBe('{"via":"socket"}');
  } finally {
    socketless.destroy();
    overHttp.destroy();
  }
});

test('a stopped server refuses requests at once, DynamoDB and S3 alike', async () => {
  const extra = await startLocalServers({ tableName: TABLE, bucketName: 'servers-test-2' });
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: extra.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, requestHandler: extra.dynamodbRequestHandler });
  const { s3 } = await createAwsClients(localServerEnv(extra), { s3: extra.s3RequestHandler });
  try {
    await extra.stop();
    await expect(read(client)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'servers-test-2', Key: 'any' }))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  } finally {
    client.destroy();
    s3.destroy();
    await extra.stop();
  }
});

test('a process whose servers nobody stopped exits on its own once its work is done', async () => {
  const script = fileURLToPath(new URL('../test/support/unstopped-servers.ts', import.meta.url));
  const child = spawn(process.execPath, await nodeArgsFor(script), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  // The HTTP client's connection to dynalite is still open: dynalite's end of it must not hold the process either.
  expect({ code, signal, out: out.trim() }, `stderr: ${err}`).toStrictEqual({ code: 0, signal: null, out: 'written without a socket\n[]' });
});

test('requests are served in turns: those made in one turn reach the server together in a later turn, their answers come back together after', async () => {
  const events: string[] = [];
  const dispatch = (request: WireRequest): Promise<WireResponse> => {
    events.push(`served ${request.url}`);
    if (request.url === '/throws') throw new Error('refused at once');
    return Promise.resolve({ statusCode: 200, headers: {}, body: request.url });
  };
  const serve = servedInTurns()(dispatch);
  const request = (url: string) => ({ method: 'POST', url, headers: {}, body: '' });
  const answers = ['/a', '/b', '/throws', '/c'].map((url) =>
    serve(request(url)).then(
      (response) => void events.push(`answered ${String(response.body)}`),
      (error: Error) => void events.push(`failed ${error.message}`),
    ),
  );
  events.push('end of the turn');
  await Promise.all(answers);
  expect(events).toStrictEqual(['end of the turn', 'served /a', 'served /b', 'served /throws', 'served /c', 'answered /a', 'answered /b', 'failed refused at once', 'answered /c']);
  // Served in one turn, answered in a later one: no answer comes in the turn that served them.
  const turns: string[] = [];
  const served = serve(request('/d')).then(() => void turns.push('answered'));
  setImmediate(() => {
    turns.push('served turn');
    queueMicrotask(() => turns.push('served turn, microtasks done'));
  });
  await served;
  expect(turns).toStrictEqual(['served turn', 'served turn, microtasks done', 'answered']);
});

test.skipIf(!existsSync('/proc/self/net/tcp'))('servers whose start failed close their ports at once, as stopped ones do', async () => {
  const before = listeningSockets();
  const extra = await startLocalServers({ tableName: 'servers-test-3', bucketName: 'servers-test-3' });
  const running = listeningSockets();
  await extra.stop();
  const stopped = listeningSockets();
  // dynalite refuses a two-character table name: the start fails after both servers listen.
  await expect(startLocalServers({ tableName: 'ab', bucketName: 'servers-test-4' })).rejects.toThrow(/TableName must be at least 3 characters/);
  const failed = listeningSockets();
  expect({ running: running - before, stopped: stopped - before, failed: failed - before }).toStrictEqual({ running: 2, stopped: 0, failed: 0 });
});

test.skipIf(!existsSync('/proc/self/net/tcp'))('when s3rver cannot start, dynalite does not stay listening either', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'servers-test-'));
  try {
    // A file where s3rver's folder should be: its bucket cannot be created.
    const notAFolder = join(dir, 's3');
    await writeFile(notAFolder, 'not a folder');
    const before = listeningSockets();
    await expect(startStorageServers({ s3Directory: notAFolder, bucketName: 'servers-test-5' })).rejects.toThrow();
    expect(listeningSockets() - before, 'ports left listening after the failed start').toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a state folder whose DynamoDB another process holds: the start fails at once, naming the folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'servers-test-'));
  // LevelDB's lock, held as a run still alive holds it (dynalite's own copy of level).
  const holder = spawn(
    process.execPath,
    ['-e', `const { Level } = require('module').createRequire(require.resolve('dynalite'))('level'); new Level(process.argv[1]).open().then(() => console.log('held')); setInterval(() => {}, 1000);`, join(dir, 'dynamodb')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const outcome = await Promise.race([
      startLocalServers({ tableName: 'servers-test-6', bucketName: 'servers-test-6', directory: dir }).then(
        async (servers) => (await servers.stop(), 'started'),
        (error: Error) => error.message,
      ),
      // dynalite alone throws from a callback here: the start would never settle.
      new Promise<string>((resolve) => setTimeout(() => resolve('still starting after 15 s'), 15_000).unref()),
    ]);
    expect(outcome).toMatch(new RegExp(`^cannot open the local DynamoDB state in ${join(dir, 'dynamodb')}: .*lock.* \\(another process holds it\\)$`, 'i'));
  } finally {
    holder.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
