/** Answers dynalite's `validateAttributeValue` at once for values surely valid; returns the counts. */
export declare const installNumberCheck: (requireFromDynalite: (id: string) => unknown) => { fast: number; original: number };
