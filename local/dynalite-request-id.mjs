/**
 * dynalite gives every response a request id made of 39 random bytes (index.js `rand52CharId`:
 * `crypto.randomBytes(39)`, base64, upper-cased). Each such call goes to OpenSSL on its own
 * (~4.8 µs here, about a tenth of a small request's CPU on the storage thread); taking the bytes
 * from a pool filled 256 ids at a time costs ~1 µs, as Node's own `crypto.randomUUID` does.
 * The bytes come from the same generator and none is handed out twice; ids keep their format.
 *
 * Only the call dynalite makes is served from the pool: `randomBytes(39)`, synchronous. Any other
 * size, or a callback, goes to `crypto.randomBytes` as before. Each caller gets its own copy.
 *
 * Local code only: installed on the storage thread's `crypto` module (each thread has its own)
 * by local/storage-worker.mjs; nothing under node_modules is edited.
 */

const ID_BYTES = 39;
const IDS_PER_POOL = 256;

/**
 * @param {(id: string) => any} requireFromDynalite a require resolving as dynalite's own modules do
 * @returns {{ pooled: number, refills: number }} ids served from the pool and pool refills (for the storage thread's usage report)
 */
export const installRequestIdPool = (requireFromDynalite) => {
  const crypto = requireFromDynalite('crypto');
  if (crypto.randomBytes.requestIdStats) return crypto.randomBytes.requestIdStats;
  const stats = { pooled: 0, refills: 0 };
  const original = crypto.randomBytes;
  let pool;
  let offset = 0;
  const randomBytes = function (size, callback) {
    if (size === ID_BYTES && arguments.length === 1) {
      if (pool === undefined || offset === pool.length) {
        pool = original(ID_BYTES * IDS_PER_POOL);
        offset = 0;
        stats.refills++;
      }
      const bytes = Buffer.from(pool.subarray(offset, offset + ID_BYTES));
      offset += ID_BYTES;
      stats.pooled++;
      return bytes;
    }
    return original.apply(this, arguments);
  };
  randomBytes.requestIdStats = stats;
  randomBytes.original = original;
  crypto.randomBytes = randomBytes;
  return stats;
};
