import assert from 'node:assert/strict';
import { test } from 'vitest';
import { toJsonLine } from './jsonl.ts';

test('Unicode line and paragraph separators and NEL are escaped: one line, the same JSON', () => {
  const value = { user: 'alice\u2028INFO admin logged in\u2029\u0085end', n: 1 };
  const line = toJsonLine(value);
  assert.equal(line, '{"user":"alice\\u2028INFO admin logged in\\u2029\\u0085end","n":1}\n');
  assert.equal(line.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter(Boolean).length, 1);
  assert.deepEqual(JSON.parse(line), value);
});
