import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import type { Report } from '../../core/report.ts';
import { makeAttribute, makeEmitContext, makeReport } from '../../core/testing.ts';
import { createFileEmitter } from './index.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'file-emitter-'));
const readLines = async (path: string) => (await readFile(path, 'utf8')).split('\n');
const ctx = makeEmitContext();

test('appends the full report as one JSON line, creating parent directories', async () => {
  const path = join(await tempDir(), 'nested', 'dir', 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  const first = makeReport({ version: 1 });
  const second = makeReport({ version: 2, verdict: { severity: 'high', reason: 'line\nbreak' } });
  const result = await emitter.emit(first, ctx);
  await emitter.emit(second, ctx);
  assert.deepEqual(result, { status: 'delivered', detail: `appended ${JSON.stringify(first).length + 1} bytes` });
  const lines = await readLines(path);
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.deepEqual(lines.map((l) => JSON.parse(l) as Report), [first, second]);
});

test('U+2028, U+2029 and NEL in a report are escaped: one report is one line for every line reader', async () => {
  const path = join(await tempDir(), 'reports.jsonl');
  const report = makeReport({ rule_name: 'a\u2028b\u2029c\u0085d' });
  await createFileEmitter({ path }).emit(report, ctx);
  const text = await readFile(path, 'utf8');
  assert.equal(text.split(/\r\n|[\n\r\u0085\u2028\u2029]/).filter(Boolean).length, 1, text);
  assert.deepEqual(JSON.parse(text), report);
});

test('concurrent emits of large reports never interleave', async () => {
  const path = join(await tempDir(), 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  // ~1.3 MB per line: larger than the 512 KiB chunks fs writes in, where interleaving happens.
  const padding = makeAttribute({ type: 'username', value: 'x'.repeat(2000) });
  const reports = Array.from({ length: 12 }, (_, i) => makeReport({ version: i + 1, attributes: Array(600).fill(padding) }));
  await Promise.all(reports.map((r) => emitter.emit(r, ctx)));
  const lines = (await readLines(path)).filter(Boolean);
  assert.equal(lines.length, reports.length);
  const versions = lines.map((l) => (JSON.parse(l) as Report).version).sort((a, b) => a - b);
  assert.deepEqual(versions, reports.map((r) => r.version));
});

test('a failed write rejects its emit and the next emit to the same file still works', async () => {
  const dir = await tempDir();
  const emitter = createFileEmitter({ path: join(dir, 'sub', 'reports.jsonl') });
  await writeFile(join(dir, 'sub'), 'a file where the directory should be');
  await assert.rejects(Promise.resolve(emitter.emit(makeReport(), ctx)), /EEXIST|ENOTDIR/);
  await rm(join(dir, 'sub'));
  await emitter.emit(makeReport({ version: 2 }), ctx);
  assert.deepEqual((await readLines(join(dir, 'sub', 'reports.jsonl'))).filter(Boolean).map((l) => (JSON.parse(l) as Report).version), [2]);
});

test('the folder is made once, and made again when it is removed between two emits', async () => {
  const root = await tempDir();
  const path = join(root, 'out', 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  await emitter.emit(makeReport({ version: 1 }), ctx);
  await rm(join(root, 'out'), { recursive: true });
  const result = await emitter.emit(makeReport({ version: 2 }), ctx);
  assert.equal(result.status, 'delivered');
  assert.deepEqual((await readLines(path)).filter(Boolean).map((l) => (JSON.parse(l) as Report).version), [2]);
  await rm(root, { recursive: true, force: true });
});
