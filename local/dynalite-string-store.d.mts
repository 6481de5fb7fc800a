/** Opens dynalite's in-memory stores with string storage; returns how many were opened so. */
export declare const installStringStore: (requireFromDynalite: NodeJS.Require) => { stores: number };
