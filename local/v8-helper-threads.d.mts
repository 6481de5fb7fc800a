export declare const POOL_SIZE_FLAG: '--v8-pool-size';
export declare const helperThreads: (cores?: number) => number;
export declare const chosenPoolSize: (execArgv?: string[], nodeOptions?: string) => string | undefined;
export declare const poolSizeChosen: (execArgv?: string[], nodeOptions?: string) => boolean;
export declare const poolSizeOption: (cores?: number) => string;
export declare const childPoolSizeArgs: (nodeOptions?: string) => string[];
