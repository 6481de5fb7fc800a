import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
  await assert.rejects(Promise.resolve(emitter.emit(makeReport(), ctx)), { name: 'FileEmitterWriteError', message: /EEXIST|ENOTDIR/ });
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

/** This process's descriptors open on `path` (Linux: /proc/self/fd). */
const descriptorsOn = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while listed
    }
  }).length;

test.skipIf(!existsSync('/proc/self/fd'))('concurrent emits share one descriptor, each a whole parseable line, and close() releases it', async () => {
  const path = join(await tempDir(), 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  const reports = Array.from({ length: 40 }, (_, i) => makeReport({ version: i + 1, attributes: Array(50).fill(makeAttribute({ type: 'username', value: `user${i}-`.repeat(100) })) }));
  const results = await Promise.all(reports.map((r) => emitter.emit(r, ctx)));
  const open = descriptorsOn(path);
  await emitter.close?.();
  const afterClose = descriptorsOn(path);
  assert.deepEqual(results.map((r) => r.status), Array(40).fill('delivered'));
  assert.equal(open, 1, `${open} descriptors were open on the report file after 40 emits`);
  assert.equal(afterClose, 0, `${afterClose} descriptors still open after close()`);
  const lines = (await readLines(path)).filter(Boolean);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as Report).version).sort((a, b) => a - b), reports.map((r) => r.version));
});

test('an emit after close() opens the file again and appends', async () => {
  const path = join(await tempDir(), 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  await emitter.emit(makeReport({ version: 1 }), ctx);
  await emitter.close?.();
  await emitter.emit(makeReport({ version: 2 }), ctx);
  await emitter.close?.();
  assert.deepEqual((await readLines(path)).filter(Boolean).map((l) => (JSON.parse(l) as Report).version), [1, 2]);
});

test('a report file rotated away between two emits: the next line goes to a new file at the path', async () => {
  const dir = await tempDir();
  const path = join(dir, 'reports.jsonl');
  const emitter = createFileEmitter({ path });
  await emitter.emit(makeReport({ version: 1 }), ctx);
  await rename(path, join(dir, 'reports.jsonl.1'));
  await emitter.emit(makeReport({ version: 2 }), ctx);
  await emitter.close?.();
  assert.deepEqual((await readLines(join(dir, 'reports.jsonl.1'))).filter(Boolean).map((l) => (JSON.parse(l) as Report).version), [1]);
  assert.deepEqual((await readLines(path)).filter(Boolean).map((l) => (JSON.parse(l) as Report).version), [2]);
});

test.skipIf(!existsSync('/dev/full'))('a write the disk refuses (ENOSPC on /dev/full) fails the emit, never a silent delivery', async () => {
  const emitter = createFileEmitter({ path: '/dev/full' });
  const outcome = await Promise.resolve(emitter.emit(makeReport(), ctx)).then(
    (result) => result,
    (error: Error) => error,
  );
  await emitter.close?.();
  assert.ok(outcome instanceof Error, `the emit answered ${JSON.stringify(outcome)}`);
  assert.equal(outcome.name, 'FileEmitterWriteError');
  assert.match(outcome.message, /ENOSPC/);
});
