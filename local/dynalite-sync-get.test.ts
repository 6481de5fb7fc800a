import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { installStringStore } from './dynalite-string-store.mjs';
import { installSyncGet } from './dynalite-sync-get.mjs';

// dynalite's db module and memory-level as local/storage-servers.mjs loads them (this test's
// copies, in a process of its own: vitest.config.ts; restored after the file all the same).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
type Callback = (err: Error | null, value?: unknown) => void;
interface Db {
  get(key: string, callback: Callback): void;
  put(key: string, value: unknown, callback: (err: Error | null) => void): void;
  close(callback: (err?: Error | null) => void): void;
  status: string;
}
interface Store {
  db: Db & { getSync(key: string): unknown };
  lifecycleManager: { gracefulClose(callback: (err?: Error | null) => void): void };
}
const dbModule = fromDynalite('./db/index.js') as { create: (options: object) => Store };
const memoryLevel = fromDynalite('memory-level') as { MemoryLevel: unknown };
const originals = { create: dbModule.create, MemoryLevel: memoryLevel.MemoryLevel };

afterAll(() => {
  dbModule.create = originals.create;
  memoryLevel.MemoryLevel = originals.MemoryLevel;
});

/** What a sequence of reads and writes issued in one turn answers, in the order the callbacks came. */
const script = (db: Db) =>
  new Promise<unknown[]>((resolve) => {
    const seen: unknown[] = [];
    let pending = 0;
    const done = (label: string) => {
      pending++;
      return (err: Error | null, value?: unknown) => {
        seen.push([label, err ? `${err.name}: ${err.message}` : (value ?? null)]);
        if (--pending === 0) resolve(seen);
      };
    };
    db.get('item-t~a/', done('get before any write'));
    db.put('item-t~a/', { n: 1 }, done('put 1'));
    db.get('item-t~a/', done('get after put 1'));
    db.put('item-t~a/', { n: 2 }, done('put 2'));
    db.get('item-t~a/', done('get after put 2'));
    db.get('item-t~b/', done('get of another key'));
  });

test('reads answer what dynalite\'s own reads answer, in the same order, never before the call returns', async () => {
  // As local/storage-servers.mjs opens it: string storage, which supports getSync as memory-level does.
  installStringStore(fromDynalite);
  const plain = dbModule.create({});
  const stats = installSyncGet(fromDynalite);
  expect(installSyncGet(fromDynalite), 'installed twice: one wrapper').toBe(stats);
  const fast = dbModule.create({});
  await new Promise((resolve) => setTimeout(resolve, 10)); // both stores open
  const expected = await script(plain.db);
  const before = stats.sync;
  const actual = await script(fast.db);
  // The same answers; the reads in the order they were issued. A read's callback may now come
  // before that of a write issued just before it (it no longer waits for promise reactions):
  // it still sees that write, as it did.
  expect(Object.fromEntries(actual as [string, unknown][])).toStrictEqual(Object.fromEntries(expected as [string, unknown][]));
  const reads = (seen: unknown[]) => (seen as [string, unknown][]).filter(([label]) => label.startsWith('get'));
  expect(reads(actual)).toStrictEqual(reads(expected));
  expect(stats.sync - before, 'reads answered by getSync').toBe(4);
  let answered = false;
  const read = new Promise((resolve) =>
    fast.db.get('item-t~a/', (err, value) => {
      answered = true;
      resolve(err ?? value);
    }),
  );
  expect(answered, 'the callback comes in a later turn, as dynalite\'s own').toBe(false);
  expect(await read).toStrictEqual({ n: 2 });
  // Each read is a fresh object: a caller changing it changes nothing stored.
  const readA = () => new Promise<{ n: number }>((resolve) => fast.db.get('item-t~a/', (_err, value) => resolve(value as { n: number })));
  (await readA()).n = 99;
  expect(await readA()).toStrictEqual({ n: 2 });
  // A closed store answers with dynalite's own error, from its own path.
  const closeAndRead = async (store: Store) => {
    await new Promise((resolve) => store.lifecycleManager.gracefulClose(resolve));
    return new Promise((resolve) => store.db.get('item-t~a/', (err) => resolve(err && `${err.name}: ${err.message}`)));
  };
  const originalBefore = stats.original;
  const closedError = await closeAndRead(fast);
  expect(closedError).toBe(await closeAndRead(plain));
  expect(closedError).toBe('Error: Database is closed');
  expect(stats.original - originalBefore).toBe(1);
});

test('a store on disk (--state) keeps its own reads', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'aw-sync-get-'));
  const stats = installSyncGet(fromDynalite);
  const store = dbModule.create({ path: directory });
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = { ...stats };
    await new Promise((resolve) => store.db.put('item-t~a/', { n: 1 }, resolve));
    expect(await new Promise((resolve) => store.db.get('item-t~a/', (_err, value) => resolve(value)))).toStrictEqual({ n: 1 });
    expect({ sync: stats.sync - before.sync }, 'classic-level supports getSync, yet its reads stay on its own path').toStrictEqual({ sync: 0 });
    expect(typeof store.db.getSync).toBe('function');
  } finally {
    await new Promise((resolve) => store.lifecycleManager.gracefulClose(resolve));
    await rm(directory, { recursive: true, force: true });
  }
});
