import { createRequire } from 'node:module';
import { afterEach, expect, test } from 'vitest';
import { installStringStore } from './dynalite-string-store.mjs';

// memory-level as dynalite requires it (this test's copy, in a process of its own: vitest.config.ts).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const memoryLevel = fromDynalite('memory-level') as { MemoryLevel: new (options?: object) => Level };
const original = memoryLevel.MemoryLevel;

interface Level {
  supports: { encodings: Record<string, boolean> };
  open(): Promise<void>;
  close(): Promise<void>;
  put(key: string, value: unknown): Promise<void>;
  get(key: string): Promise<unknown>;
}

afterEach(() => {
  memoryLevel.MemoryLevel = original;
});

test('a store opened as dynalite opens it keeps strings, and every read is a fresh copy', async () => {
  const stats = installStringStore(fromDynalite);
  expect(installStringStore(fromDynalite), 'installed twice: the same store class').toBe(stats);
  const db = new memoryLevel.MemoryLevel({ valueEncoding: 'json' });
  expect(stats.stores).toBe(1);
  // A store of strings offers the encodings made from text (utf8, json), not Buffers.
  expect(db.supports.encodings, 'encodings of the store dynalite opens').toStrictEqual({ utf8: true, json: true });
  await db.open();
  const item = { pk: { S: 'REPORT#1' }, alerts: [{ id: 'a' }] };
  await db.put('6b6579/', item);
  const first = (await db.get('6b6579/')) as typeof item;
  expect(first).toStrictEqual(item);
  expect(first).not.toBe(item);
  first.alerts.push({ id: 'changed by a caller' });
  expect(await db.get('6b6579/'), 'a caller changing what it read does not change the store').toStrictEqual(item);
  await db.close();
});

test('without it, the store is memory-level\'s default (Buffers)', () => {
  const encodings = new original({ valueEncoding: 'json' }).supports.encodings;
  expect(encodings.buffer, `encodings of memory-level's default store: ${Object.keys(encodings).join(', ')}`).toBe(true);
});
