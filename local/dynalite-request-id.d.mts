/** Serves dynalite's `crypto.randomBytes(39)` (its request ids) from a pool while it answers a request (`whileServing`); returns the counts and that scope. */
export declare const installRequestIdPool: (requireFromDynalite: (id: string) => unknown) => {
  stats: { pooled: number; refills: number };
  whileServing: <T>(serve: () => T) => T;
};
