/** Answers dynalite's `crc32.unsigned(body)` with zlib.crc32; returns how many checksums each implementation computed. */
export declare const installNativeCrc32: (requireFromDynalite: (id: string) => unknown) => { native: number; original: number; installed: boolean };
