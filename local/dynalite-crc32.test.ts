import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, expect, test } from 'vitest';
import { installNativeCrc32 } from './dynalite-crc32.mjs';

// dynalite's copy of buffer-crc32 (this test's module instance, shared with other unit files:
// restored after the file).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const crc32 = fromDynalite('buffer-crc32') as { unsigned: (input: unknown, previous?: unknown) => number };
const original = crc32.unsigned;

afterAll(() => {
  crc32.unsigned = original;
});

test('the native checksum equals buffer-crc32 for every body dynalite could send, and other calls still go to buffer-crc32', () => {
  const stats = installNativeCrc32(fromDynalite);
  expect(installNativeCrc32(fromDynalite), 'installed twice: one wrapper').toBe(stats);
  expect(stats.installed, 'zlib.crc32 exists on this Node').toBe(true);
  const bodies = [
    '',
    '{}',
    '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}',
    JSON.stringify({ Item: { pk: { S: 'REPORT#é😀\u0000' }, note: { S: '\ud800 lone surrogate' } } }),
    'x'.repeat(70_000) + '\u00ff',
  ];
  const inputs = [...bodies, ...bodies.map((body) => Buffer.from(body, 'utf8'))];
  const expected = inputs.map((input) => original(input));
  const before = { ...stats };
  expect(inputs.map((input) => crc32.unsigned(input))).toStrictEqual(expected);
  expect(stats.native - before.native, 'answered by zlib').toBe(inputs.length);
  // A running checksum and buffer-crc32's number form are left to it.
  expect(crc32.unsigned(Buffer.from('world'), original(Buffer.from('hello ')))).toBe(original(Buffer.from('hello world')));
  expect(crc32.unsigned(4)).toBe(original(Buffer.alloc(4)));
  expect(stats.original - before.original).toBe(2);
});

test("dynalite's responses carry the checksum of their body", async () => {
  const stats = installNativeCrc32(fromDynalite);
  const dynalite = fromDynalite('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const before = stats.native;
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable', 'x-amz-date': '20261201T000000Z', authorization: 'AWS4-HMAC-SHA256 Credential=a/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' },
      body: JSON.stringify({ TableName: 'missing-é' }),
    });
    const body = await response.text();
    // The refusal quotes the name back: a body with non-ASCII text.
    expect(body).toContain('ValidationException');
    expect(body).toContain('missing-é');
    expect(response.headers.get('x-amz-crc32')).toBe(String(original(body)));
    expect(stats.native - before, 'checksums computed by zlib for one response').toBe(1);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
