/**
 * Emits to one file run side by side: none waits for another's write (issue 12: a single
 * append queue made emits under load outlive their step's timeout and be delivered twice).
 * The file system is replaced by a recorder whose writes finish only when the test says so; the
 * five share the emitter's one descriptor. And a file whose stat never matches its descriptor
 * is opened again once per emit, not in a loop.
 */
import assert from 'node:assert/strict';
import { test, vi } from 'vitest';
import { makeEmitContext, makeReport } from '../../core/testing.ts';

const inFlight = { now: 0, max: 0, opens: 0 };
let release!: () => void;
const released = new Promise<void>((resolve) => (release = resolve));

vi.mock('node:fs', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:fs')>()),
  // A file system whose stat never matches the open descriptor (the second test's path).
  statSync: (path: string) => ({ dev: 1, ino: String(path).includes('never-matches') ? 2 : 1 }),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    mkdir: async () => undefined,
    
    open: async () => {
      // A reopen loop without its bound fails here, fast, instead of at the test's timeout.
      if (++inFlight.opens > 10) throw new Error(`opened ${inFlight.opens} times`);
      return {
        stat: async () => ({ dev: 1, ino: 1 }),
        write: async (buffer: Buffer) => {
          inFlight.now++;
          inFlight.max = Math.max(inFlight.max, inFlight.now);
          await released;
          inFlight.now--;
          return { bytesWritten: buffer.length, buffer };
        },
        close: async () => undefined,
      };
    },
  };
});

test('five emits to the same file are all writing at once, not queued behind each other', async () => {
  const { createFileEmitter } = await import('./index.ts');
  const emitter = createFileEmitter({ path: '/virtual/reports.jsonl' });
  const emits = Array.from({ length: 5 }, (_, i) => emitter.emit(makeReport({ version: i + 1 }), makeEmitContext()));
  for (let i = 0; i < 100 && inFlight.now < 5; i++) await new Promise((r) => setTimeout(r, 5));
  const concurrent = inFlight.max;
  release();
  const results = await Promise.all(emits);
  assert.equal(concurrent, 5, `at most ${concurrent} of 5 writes were in flight together`);
  assert.equal(inFlight.opens, 1, `the file was opened ${inFlight.opens} times for 5 emits`);
  assert.deepEqual(results.map((r) => r.status), Array(5).fill('delivered'));
});

test('a file system whose stat never matches the descriptor gets one reopen per emit, not a loop', async () => {
  release();
  const { createFileEmitter } = await import('./index.ts');
  const emitter = createFileEmitter({ path: '/virtual/never-matches.jsonl' });
  const opensBefore = inFlight.opens;
  const result = await emitter.emit(makeReport(), makeEmitContext());
  const opens = inFlight.opens - opensBefore;
  assert.equal(opens, 2, `the file was opened ${opens} times for one emit`);
  assert.equal(result.status, 'delivered');
});
