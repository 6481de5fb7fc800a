/** Memoises the hash-key part of dynalite's store keys (`db.createKey`); returns the counts. */
export declare const installKeyMemo: (requireFromDynalite: (id: string) => unknown, options?: { max?: number }) => { hits: number; computed: number; original: number };
