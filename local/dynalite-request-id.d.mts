/** Serves dynalite's `crypto.randomBytes(39)` (its request ids) from a pool; returns the counts. */
export declare const installRequestIdPool: (requireFromDynalite: (id: string) => unknown) => { pooled: number; refills: number };
