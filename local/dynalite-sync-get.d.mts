export interface SyncGetStats {
  /** Reads answered by the store's getSync. */
  sync: number;
  /** Reads left to dynalite's own path. */
  original: number;
}
export declare const readSynchronously: <T extends { db: unknown }>(store: T, stats: SyncGetStats) => T;
/** Answers dynalite's item reads with getSync in every store created from now on; returns the counts. */
export declare const installSyncGet: (requireFromDynalite: (id: string) => unknown) => SyncGetStats;
