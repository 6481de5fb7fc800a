export interface TableCacheStats {
  /** Descriptions served from the cache. */
  hits: number;
  /** Descriptions read from dynalite's store (kept unless a table write was in flight). */
  misses: number;
  /** Times a write to the table store emptied a non-empty cache. */
  invalidations: number;
  /** dynalite stores created with the cache. */
  stores: number;
  /** Stores whose cache a write it cannot classify turned off. */
  disabled: number;
}
export declare const cacheTableDescriptions: <T extends { db: unknown; getTable: unknown }>(store: T, stats: TableCacheStats) => T;
/** Caches table descriptions in every dynalite store created from now on; returns the counts. */
export declare const installTableCache: (requireFromDynalite: (id: string) => unknown) => TableCacheStats;
