export declare const ENGINE_CLONE: string;
export declare const PAIRLESS_CLONE: string;
export declare const withPairlessClone: (source: string) => string | undefined;
