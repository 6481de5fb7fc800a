/**
 * dynalite turns every item key into its store key (db/index.js `createKey`): the hash key's
 * MD5 (a new Hash object, two updates, a hex digest) and its hex or number-sortable text,
 * then the range key's. A report's partition key is used by a dozen calls, and by every item of
 * a batch: the hash key's part is the same each time. This memo keeps that part per distinct
 * hash key value (at most `max`, least recently used dropped first) and builds the rest as
 * dynalite does, through its own exported helpers.
 *
 * Only what the actions call through the module (`db.createKey`: GetItem, PutItem, UpdateItem,
 * DeleteItem, the batches, a Query's start key) is memoised; index keys and dynalite's internal
 * calls keep their own path. A key whose values are not strings (never valid on the wire) goes
 * to dynalite's own code.
 *
 * Local code only: installed on dynalite's db module by local/storage-servers.mjs; nothing
 * under node_modules is edited.
 */

/**
 * @param {(id: string) => any} requireFromDynalite a require resolving as dynalite's own modules do
 * @param {{ max?: number }} [options]
 * @returns {{ hits: number, computed: number, original: number }} hash-key parts from memory, computed, and keys left to dynalite (for the usage report)
 */
export const installKeyMemo = (requireFromDynalite, { max = 10_000 } = {}) => {
  const db = requireFromDynalite('./db/index.js');
  if (db.createKey.keyMemoStats) return db.createKey.keyMemoStats;
  const stats = { hits: 0, computed: 0, original: 0 };
  const { traverseKey, hashPrefix, toRangeStr } = db;
  const original = db.createKey;
  /** @type {Map<string, string>} */
  const hashParts = new Map();

  const hashPart = (value, type) => {
    const key = `${type}\u0000${value}`;
    const known = hashParts.get(key);
    if (known !== undefined) {
      stats.hits++;
      hashParts.delete(key);
      hashParts.set(key, known);
      return known;
    }
    stats.computed++;
    const part = `${hashPrefix(value, type)}/${toRangeStr(value, type)}/`;
    hashParts.set(key, part);
    if (hashParts.size > max) hashParts.delete(hashParts.keys().next().value);
    return part;
  };

  const createKey = function (item, table, keySchema) {
    if (keySchema == null) keySchema = table.KeySchema;
    let keyStr;
    let plain = true;
    traverseKey(table, keySchema, (attr, type) => {
      if (typeof item[attr]?.[type] !== 'string') plain = false;
    });
    if (!plain) {
      stats.original++;
      return original.call(this, item, table, keySchema);
    }
    traverseKey(table, keySchema, (attr, type, isHash) => {
      if (isHash) keyStr = hashPart(item[attr][type], type);
      else keyStr += `${toRangeStr(item[attr][type], type)}/`;
    });
    return keyStr;
  };
  createKey.keyMemoStats = stats;
  createKey.original = original;
  db.createKey = createKey;
  return stats;
};
