/**
 * dynalite reads every item through a callback wrapper around level's promise API (db/index.js
 * `wrapWithCallbacks`): the get's promise, a `.catch` that renames one error, the lifecycle
 * manager's tracking (a Set entry and two more promise reactions), then `setImmediate` for the
 * callback. memory-level answers the same read synchronously (`getSync`, abstract-level's own
 * API): the tree is read at the same moment as before (level's async `get` reads it before its
 * first `await`), and the callback still comes in a later turn through `setImmediate`, so no
 * caller sees a synchronous answer. What is saved is the promise machinery of every read. The
 * one difference: a read's callback may come before that of a write issued just before it in
 * the same turn (it no longer waits behind promise reactions); it sees that write all the same,
 * and item writes are serialised by dynalite's per-key locks, which this does not touch.
 *
 * Only a read with a callback on an open in-memory store whose lifecycle is open is answered
 * so; anything else (a store still opening or closed, a promise-style call, an error such as a
 * value that does not decode) goes to dynalite's own path, which words the error as before. A
 * store on disk (`--state DIR`: classic-level) is left alone: its getSync would read LevelDB on
 * this thread, where its own get reads on libuv's pool.
 *
 * Local code only: installed on dynalite's db module by local/storage-servers.mjs before a server
 * is created; nothing under node_modules is edited.
 */
import { wrapEveryStore } from './dynalite-store-wrapper.mjs';

/**
 * @param {{ db: any, options?: { path?: string }, lifecycleManager?: { getState(): string } }} store what dynalite's `db.create` returns
 * @param {{ sync: number, original: number }} stats
 */
export const readSynchronously = (store, stats) => {
  const { db, lifecycleManager } = store;
  if (store.options?.path || typeof db.getSync !== 'function' || !db.supports?.getSync) return store;
  const get = db.get;
  db.get = function (key, callback) {
    if (typeof callback === 'function' && db.status === 'open' && lifecycleManager?.getState() === 'open') {
      let value;
      try {
        value = db.getSync(key);
      } catch {
        stats.original++;
        return get.call(db, key, callback);
      }
      stats.sync++;
      setImmediate(callback, null, value);
      return;
    }
    stats.original++;
    return get.call(db, key, callback);
  };
  return store;
};

/**
 * Installs the synchronous read on every store dynalite creates from now on, through
 * `requireFromDynalite`. Returns the counts; installing twice keeps one wrapper.
 */
export const installSyncGet = (requireFromDynalite) => wrapEveryStore(requireFromDynalite, 'syncGetStats', { sync: 0, original: 0 }, readSynchronously);
