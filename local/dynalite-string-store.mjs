/**
 * dynalite's in-memory store (memory-level) kept as strings instead of Buffers. dynalite opens
 * `new MemoryLevel({ valueEncoding: 'json' })`, whose default store encoding is 'buffer': every
 * item written is JSON text turned into a Buffer, and every item read is a Buffer turned back
 * into text before JSON.parse, with each key (and its sublevel prefix) converted the same way.
 * With the 'utf8' store encoding memory-level keeps the JSON text and the key strings as they are.
 *
 * Order is unchanged: dynalite's keys are hex (S), lexicographic number strings (N) and '/'
 * separators, all ASCII, so comparing them as strings is comparing their bytes (DynamoDB's
 * order). The values are the same JSON text, parsed into a fresh object on every read as before,
 * so no caller shares an object with the store.
 *
 * Local code only: installed by local/storage-servers.mjs before dynalite loads (dynalite takes
 * `MemoryLevel` from memory-level's exports when its db module is first required). A persistent
 * folder (`--state DIR`) uses classic-level on disk and is not affected.
 */

/**
 * @param {NodeRequire} requireFromDynalite a require resolving as dynalite's own modules do
 * @returns {{ stores: number }} how many stores were opened with string storage since (for the storage usage report)
 */
export const installStringStore = (requireFromDynalite) => {
  const memoryLevel = requireFromDynalite('memory-level');
  const { MemoryLevel } = memoryLevel;
  if (MemoryLevel.stringStoreStats) return MemoryLevel.stringStoreStats;
  const stats = { stores: 0 };
  class StringStoreMemoryLevel extends MemoryLevel {
    static stringStoreStats = stats;
    constructor(location, options) {
      const given = typeof location === 'object' && location !== null ? location : options;
      super({ storeEncoding: 'utf8', ...given });
      stats.stores++;
    }
  }
  memoryLevel.MemoryLevel = StringStoreMemoryLevel;
  return stats;
};
