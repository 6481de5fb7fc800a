/**
 * dynalite gives every response a request id made of 39 random bytes (index.js `rand52CharId`:
 * `crypto.randomBytes(39)`, base64, upper-cased). Each such call goes to OpenSSL on its own
 * (~2% of the local pipeline's CPU); taking the bytes from a pool filled 256 ids at a time costs
 * ~1 µs, as Node's own `crypto.randomUUID` does. The bytes come from the same generator and none
 * is handed out twice; ids keep their format.
 *
 * Scoped to dynalite: the pool serves only while dynalite answers a request handed to it by
 * local/storage-servers.mjs (`whileServing`, around the synchronous part of its request handler,
 * where it draws the id), and only the call dynalite makes there: `randomBytes(39)`, synchronous.
 * The storage servers share the process with the handlers and the SDK: any other call, from any
 * other code or at any other time, goes to `crypto.randomBytes` as before.
 *
 * Local code only: installed on the process's `crypto` module (dynalite requires it by name) by
 * local/storage-servers.mjs; nothing under node_modules is edited.
 */

const ID_BYTES = 39;
const IDS_PER_POOL = 256;

/**
 * @param {(id: string) => any} requireFromDynalite a require resolving as dynalite's own modules do
 * @returns {{ stats: { pooled: number, refills: number }, whileServing: <T>(serve: () => T) => T }} ids served from the pool and refills (for the storage usage report), and the scope in which dynalite's ids come from it
 */
export const installRequestIdPool = (requireFromDynalite) => {
  const crypto = requireFromDynalite('crypto');
  if (crypto.randomBytes.requestIdPool) return crypto.randomBytes.requestIdPool;
  const stats = { pooled: 0, refills: 0 };
  const original = crypto.randomBytes;
  let serving = 0;
  let pool;
  let offset = 0;
  const randomBytes = function (size, callback) {
    if (serving > 0 && size === ID_BYTES && arguments.length === 1) {
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
  const requestIdPool = {
    stats,
    whileServing(serve) {
      serving++;
      try {
        return serve();
      } finally {
        serving--;
      }
    },
  };
  randomBytes.requestIdPool = requestIdPool;
  randomBytes.original = original;
  crypto.randomBytes = randomBytes;
  return requestIdPool;
};
