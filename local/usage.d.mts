export declare const VERSION: string;
export declare const USAGE: string;
