/**
 * dynalite reads a table's description from its store on every request, and again for every
 * item of a BatchWriteItem or BatchGetItem (`store.getTable`: a level get, several event-loop
 * hops, and a JSON.parse of the description): about half of the store reads behind each
 * report, for a description that changes only through CreateTable, UpdateTable, DeleteTable
 * and their CREATING/UPDATING/DELETING -> ACTIVE flips.
 *
 * This cache keeps the description each table had when it was last read, and serves it to
 * the item operations (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan and the batches:
 * dynalite's `getTable(name, cb)` form, which refuses tables being created or deleted). It can
 * never serve a stale description:
 * - every write to the table store (put, del, batch on dynalite's main db with a `table~` key,
 *   whichever wrapper issued it) empties the cache when it is issued and again when it completes;
 * - a description read while such a write is in flight, or read before one was issued, is
 *   handed to its caller but not kept;
 * - a write the cache cannot classify (a chained batch, `clear`) turns the cache off for good.
 * The table operations themselves (`getTable(name, false, cb)`: DescribeTable, UpdateTable,
 * DeleteTable, tags, TTL) always read the store: UpdateTable and DeleteTable change the object
 * they are given before writing it back.
 *
 * What the cache hands out is deep-frozen: the item operations only read it, and a caller that
 * tried to change it could not change it for the others. A hit answers at once (no level read,
 * no event-loop hops); errors (no such table, a table not yet ACTIVE) always come from dynalite.
 *
 * Local code only: installed on dynalite's db module by local/storage-servers.mjs before a
 * server is created; nothing under node_modules is edited.
 */

import { wrapEveryStore } from './dynalite-store-wrapper.mjs';

const TABLE_PREFIX = 'table~';

const deepFreeze = (value) => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
};

const isTableKey = (key) => typeof key === 'string' && key.startsWith(TABLE_PREFIX);

/**
 * Puts the cache in front of one store's `getTable` (what dynalite's `db.create` returns).
 * @param {{ db: any, getTable: Function }} store
 * @param {{ hits: number, misses: number, invalidations: number, stores: number, disabled: number }} stats
 */
export const cacheTableDescriptions = (store, stats) => {
  const { db } = store;
  /** @type {Map<string, object>} */
  const descriptions = new Map();
  let writesInFlight = 0;
  let generation = 0;
  let disabled = false;

  const invalidate = () => {
    generation++;
    if (descriptions.size > 0) stats.invalidations++;
    descriptions.clear();
  };
  const disable = () => {
    if (!disabled) stats.disabled++;
    disabled = true;
    invalidate();
  };

  /** Runs a write on the table store with the cache emptied before and after it. */
  const tracked = (original, callbackIndex, args) => {
    invalidate();
    writesInFlight++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      writesInFlight--;
      invalidate();
    };
    const callback = args[callbackIndex];
    if (typeof callback === 'function') {
      const forwarded = [...args];
      forwarded[callbackIndex] = function (...results) {
        settle();
        return callback.apply(this, results);
      };
      try {
        return original.apply(db, forwarded);
      } catch (error) {
        settle();
        throw error;
      }
    }
    let result;
    try {
      result = original.apply(db, args);
    } catch (error) {
      settle();
      throw error;
    }
    if (result && typeof result.then === 'function') result.then(settle, settle);
    else settle();
    return result;
  };

  const put = db.put;
  db.put = function (key, value, callback) {
    return isTableKey(key) ? tracked(put, 2, [key, value, callback]) : put.call(db, key, value, callback);
  };
  const del = db.del;
  db.del = function (key, callback) {
    return isTableKey(key) ? tracked(del, 1, [key, callback]) : del.call(db, key, callback);
  };
  const batch = db.batch;
  db.batch = function (operations, callback) {
    if (!Array.isArray(operations)) {
      disable();
      return batch.apply(db, arguments);
    }
    return operations.some((operation) => isTableKey(operation?.key)) ? tracked(batch, 1, [operations, callback]) : batch.call(db, operations, callback);
  };
  if (typeof db.clear === 'function') {
    const clear = db.clear;
    db.clear = function (...args) {
      disable();
      return clear.apply(db, args);
    };
  }

  const getTable = store.getTable;
  store.getTable = function cachedGetTable(name, checkStatus, cb) {
    if (typeof checkStatus === 'function') {
      cb = checkStatus;
      checkStatus = true;
    }
    if (!checkStatus || disabled) return getTable(name, checkStatus, cb);
    const known = descriptions.get(name);
    if (known !== undefined) {
      stats.hits++;
      return cb(null, known);
    }
    stats.misses++;
    const readAt = generation;
    const quiet = writesInFlight === 0;
    return getTable(name, true, (err, table) => {
      if (!err && quiet && writesInFlight === 0 && readAt === generation && !disabled && table && typeof table === 'object') {
        descriptions.set(name, deepFreeze(table));
      }
      cb(err, table);
    });
  };
  stats.stores++;
  return store;
};

/**
 * Installs the cache on every store dynalite creates from now on, through `requireFromDynalite`
 * (a require rooted in dynalite's package, so the db module is the one its server uses).
 * Returns the counts (for the storage usage report); installing twice keeps one cache.
 */
export const installTableCache = (requireFromDynalite) =>
  wrapEveryStore(requireFromDynalite, 'tableCacheStats', { hits: 0, misses: 0, invalidations: 0, stores: 0, disabled: 0 }, cacheTableDescriptions);
