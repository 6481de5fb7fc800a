export interface PrebuiltOptions {
  root: string;
  cacheDir: string;
  /** Paths relative to `root`; each becomes `<name>.js` in the build. */
  entries: string[];
  /** Packages left as imports; without it, every package is. */
  external?: string[];
}
export declare const CLI_EXTERNAL: string[];
export declare const CLI_BUILD: PrebuiltOptions;
export declare const prebuilt: (options?: PrebuiltOptions) => Promise<{ outputs: Record<string, string>; built: boolean } | undefined>;
