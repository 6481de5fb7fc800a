export type CheckTypes = (data: unknown, types: Record<string, unknown>) => unknown;
/** dynalite's `checkTypes` compiled; `stats` counts the requests answered here and those given to the original. */
export declare const compileTypeCheck: (originalCheckTypes: CheckTypes) => { checkTypes: CheckTypes; stats: { compiled: number; original: number } };
export declare const installTypeCheck: (requireFromDynalite: (id: string) => unknown) => { checkTypes: CheckTypes; stats: { compiled: number; original: number } };
