import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, expect, test, vi } from 'vitest';
import { installRequestIdPool } from './dynalite-request-id.mjs';

// The crypto module as dynalite requires it: this thread's (restored after the file).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const crypto = fromDynalite('crypto') as { randomBytes: (size: number, callback?: (err: Error | null, bytes: Buffer) => void) => Buffer | undefined };
const original = crypto.randomBytes;

afterAll(() => {
  crypto.randomBytes = original;
});

test('request ids come from a pool: 39 fresh bytes each, none handed out twice; other calls go to crypto as before', async () => {
  const generator = vi.fn(original);
  crypto.randomBytes = generator;
  const stats = installRequestIdPool(fromDynalite);
  expect(installRequestIdPool(fromDynalite), 'installed twice: one pool').toBe(stats);
  const ids = Array.from({ length: 600 }, () => crypto.randomBytes(39)!);
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
  // Any other size, or a callback, is crypto's own call.
  generator.mockClear();
  expect(crypto.randomBytes(16)!.length).toBe(16);
  const viaCallback = await new Promise<Buffer>((resolve, reject) => crypto.randomBytes(39, (err, bytes) => (err ? reject(err) : resolve(bytes))));
  expect(viaCallback.length).toBe(39);
  expect(generator.mock.calls.map((call) => call[0])).toStrictEqual([16, 39]);
  expect(stats.pooled).toBe(600);
});

test("dynalite's responses keep their request id format, one id per response", async () => {
  const stats = installRequestIdPool(fromDynalite);
  const dynalite = fromDynalite('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const { port } = server.address() as { port: number };
    const before = stats.pooled;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', 'x-amz-date': '20261201T000000Z', authorization: 'AWS4-HMAC-SHA256 Credential=a/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' },
        body: '{}',
      });
      expect(await response.text()).toBe('{"TableNames":[]}');
      ids.push(response.headers.get('x-amzn-requestid')!);
    }
    expect(ids.every((id) => /^[A-Z0-9]{52}$/.test(id)), ids.join(' ')).toBe(true);
    expect(new Set(ids).size).toBe(5);
    expect(stats.pooled - before, 'ids from the pool').toBe(5);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
