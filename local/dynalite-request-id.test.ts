import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, expect, test, vi } from 'vitest';
import { installRequestIdPool } from './dynalite-request-id.mjs';
import { serveDynalite } from './storage-servers.mjs';

// The crypto module as dynalite requires it: this thread's (restored after the file).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const crypto = fromDynalite('crypto') as { randomBytes: (size: number, callback?: (err: Error | null, bytes: Buffer) => void) => Buffer | undefined };
const original = crypto.randomBytes;

afterAll(() => {
  crypto.randomBytes = original;
});

test('request ids come from a pool while dynalite serves: 39 fresh bytes each, none handed out twice; other calls, and any call outside, go to crypto as before', async () => {
  const generator = vi.fn(original);
  crypto.randomBytes = generator;
  const pool = installRequestIdPool(fromDynalite);
  const { stats } = pool;
  expect(installRequestIdPool(fromDynalite), 'installed twice: one pool').toBe(pool);
  // Outside a request dynalite serves (the handlers, the SDK, anything else in the process): crypto's own call.
  expect(crypto.randomBytes(39)!.length).toBe(39);
  expect(generator.mock.calls).toStrictEqual([[39]]);
  expect(stats).toStrictEqual({ pooled: 0, refills: 0 });
  generator.mockClear();
  const ids = pool.whileServing(() => Array.from({ length: 600 }, () => crypto.randomBytes(39)!));
  // 600 ids from three refills of 256 (the generator asked for 256 ids' bytes at a time).
  expect(generator.mock.calls).toStrictEqual([[39 * 256], [39 * 256], [39 * 256]]);
  expect(stats).toStrictEqual({ pooled: 600, refills: 3 });
  expect(ids.every((id) => Buffer.isBuffer(id) && id.length === 39)).toBe(true);
  expect(new Set(ids.map((id) => id.toString('hex'))).size, 'distinct ids').toBe(600);
  // Each caller has its own bytes: changing one id changes no other, nor the next ones.
  const copy = Buffer.from(ids[1]!);
  ids[0]!.fill(0);
  expect(ids[1]).toStrictEqual(copy);
  // 20 KB of the generator's bytes are about evenly spread over byte values (a pool of zeros would not be).
  const counts = new Array(256).fill(0);
  for (const id of ids) for (const byte of id) counts[byte]++;
  expect(Math.max(...counts), `most frequent byte value in ${600 * 39} bytes`).toBeLessThan(180);
  // Any other size, or a callback, is crypto's own call, even while serving; so is any call once the scope has ended, by a throw too.
  generator.mockClear();
  expect(pool.whileServing(() => crypto.randomBytes(16)!.length)).toBe(16);
  const viaCallback = await pool.whileServing(() => new Promise<Buffer>((resolve, reject) => crypto.randomBytes(39, (err, bytes) => (err ? reject(err) : resolve(bytes)))));
  expect(viaCallback.length).toBe(39);
  expect(() => pool.whileServing(() => { throw new Error('dynalite failed'); })).toThrow('dynalite failed');
  expect(crypto.randomBytes(39)!.length).toBe(39);
  expect(generator.mock.calls.map((call) => call[0])).toStrictEqual([16, 39, 39]);
  expect(stats.pooled).toBe(600);
});

test("dynalite's responses keep their request id format, one pooled id per response it serves in the scope, none over a socket", async () => {
  const pool = installRequestIdPool(fromDynalite);
  const { stats } = pool;
  const dynalite = fromDynalite('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', 'x-amz-date': '20261201T000000Z', authorization: 'AWS4-HMAC-SHA256 Credential=a/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' };
  const [listener] = server.listeners('request') as ((request: unknown, response: unknown) => void)[];
  // As local/storage-servers.mjs hands dynalite a request: without a socket, its end in the scope.
  const withoutSocket = async () => {
    const { headers: sent, body } = await serveDynalite(listener!, pool, { method: 'POST', url: '/', headers, body: '{}' });
    return { id: sent['x-amzn-requestid']!, body: String(body) };
  };
  try {
    const { port } = server.address() as { port: number };
    const before = stats.pooled;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { id, body } = await withoutSocket();
      expect(body).toBe('{"TableNames":[]}');
      ids.push(id);
    }
    expect(stats.pooled - before, 'ids from the pool').toBe(5);
    // Over a socket the request ends outside the scope: crypto's own ids, same format.
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body: '{}' });
    expect(await response.text()).toBe('{"TableNames":[]}');
    ids.push(response.headers.get('x-amzn-requestid')!);
    expect(stats.pooled - before, 'ids from the pool after a request over a socket').toBe(5);
    expect(ids.every((id) => /^[A-Z0-9]{52}$/.test(id)), ids.join(' ')).toBe(true);
    expect(new Set(ids).size).toBe(6);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
