/**
 * Reading what `sls package` wrote: the files of a function's zip, and the module graph of its
 * handler (which chunks load at Init, which only on a later `import()`). Shared by the package
 * test and bench/cold-start.bench.ts, so both judge the deployed artifact, not the sources.
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export class ZipReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipReadError';
  }
}

/** File names and contents of a zip archive (stored or deflated entries), via its central directory. */
export const readZip = async (path: string): Promise<Map<string, Buffer>> => {
  const buf = await readFile(path);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new ZipReadError(`${path}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new ZipReadError(`${path}: central directory entry ${i} is corrupt`);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    files.set(name, method === 0 ? raw : inflateRawSync(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
};

export interface ModuleGraph {
  /** The entry and every file it imports statically, transitively: what Node loads at Init. */
  atInit: Set<string>;
  /** Everything the entry can ever load, through `import()` too. */
  reachable: Set<string>;
  /** Relative imports that name a file the zip does not hold. */
  missing: string[];
}

// esbuild's ESM output: `from"./x.mjs"`, `import"./x.mjs"` (static) and `import("./x.mjs")` (dynamic).
const RELATIVE_IMPORT = /\b(import\s*\(|from|import)\s*["'](\.\.?\/[^"']+)["']/g;

/** The graph of relative imports from `entry` among `files` (zip paths -> contents). */
export const moduleGraph = (files: ReadonlyMap<string, Buffer | string>, entry: string): ModuleGraph => {
  const atInit = new Set<string>();
  const reachable = new Set<string>();
  const missing: string[] = [];
  const walk = (file: string, staticOnly: boolean) => {
    const seen = staticOnly ? atInit : reachable;
    if (seen.has(file)) return;
    const text = files.get(file);
    if (text === undefined) {
      missing.push(file);
      return;
    }
    seen.add(file);
    for (const [, how, spec] of text.toString().matchAll(RELATIVE_IMPORT)) {
      const dynamic = how!.startsWith('import') && how!.includes('(');
      if (staticOnly && dynamic) continue;
      walk(posix.join(posix.dirname(file), spec!), staticOnly);
    }
  };
  walk(entry, true);
  walk(entry, false);
  return { atInit, reachable, missing: [...new Set(missing)] };
};

/**
 * The handler module a Lambda entry loads on its first invocation (scripts/esbuild-plugins.cjs,
 * handler-loaded-on-first-invocation): the entry's one `import()`, as a zip path.
 */
export const handlerModuleOf = (files: ReadonlyMap<string, Buffer | string>, entry: string): string | undefined => {
  const dynamic = [...(files.get(entry)?.toString() ?? '').matchAll(RELATIVE_IMPORT)].filter(([, how]) => how!.includes('('));
  return dynamic.length === 1 ? posix.join(posix.dirname(entry), dynamic[0]![2]!) : undefined;
};

/** Total size of some files of the zip. */
export const bytesOf = (files: ReadonlyMap<string, Buffer | string>, names: Iterable<string>): number =>
  [...names].reduce((sum, name) => sum + Buffer.byteLength(files.get(name) ?? ''), 0);

/**
 * Every function the service deploys: key in serverless.yml -> source file under functions/
 * (handler export is `handler`). The package test expects exactly these; the cold-start bench times each.
 */
export const FUNCTIONS: Record<string, string> = {
  ingest: 'ingest',
  planInspection: 'plan-inspection',
  inspect: 'inspect',
  recordFailure: 'record-failure',
  review: 'review',
  emit: 'emit',
  finishRun: 'finish-run',
  sweepRounds: 'sweep-rounds',
  cloudTrailEvents: 'cloudtrail-events',
  cloudTrailLogs: 'cloudtrail-logs',
  cloudTrailFiles: 'cloudtrail-files',
  flowLogLogs: 'flowlog-logs',
  flowLogFiles: 'flowlog-files',
};

/** serverless-esbuild's own settings, which it removes before handing the rest to esbuild (its bundle.js). */
const SERVERLESS_ESBUILD_ONLY = [
  'concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch', 'keepOutputDirectory', 'packagerOptions',
  'installExtraArgs', 'outputFileExtension', 'outputBuildFolder', 'outputWorkFolder', 'nodeExternals', 'skipBuild', 'skipRebuild',
  'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext', 'config',
];

/**
 * The esbuild options serverless-esbuild builds one function with, from serverless.yml's
 * `custom.esbuild` as `sls print` resolves it: its defaults (bundle, the runtime's target, the
 * v2 `aws-sdk` excluded) under the given settings, its own settings removed, `exclude` turned
 * into `external`, the plugins file loaded, the output extension applied. The cold-start bench
 * builds its floor with these, so the floor is bundled as the zips are (the bench checks it by
 * rebuilding one function and comparing the bytes with the zip's).
 */
export const esbuildOptionsOf = (
  settings: Record<string, unknown>,
  { root, target, entry, outdir, loadPlugins }: { root: string; target: string; entry: string; outdir: string; loadPlugins: (file: string) => unknown },
): Record<string, unknown> => {
  const merged: Record<string, unknown> = { bundle: true, target, external: [], exclude: ['aws-sdk'], outputFileExtension: '.js', ...settings };
  const options = Object.fromEntries(Object.entries(merged).filter(([k]) => !SERVERLESS_ESBUILD_ONLY.includes(k)));
  const strings = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
  const exclude = strings(merged.exclude);
  options.external = [...strings(merged.external), ...(exclude.includes('*') ? [] : exclude)];
  if (typeof merged.plugins === 'string') options.plugins = loadPlugins(posix.join(root, merged.plugins));
  if (merged.outputFileExtension !== '.js') options.outExtension = { '.js': merged.outputFileExtension };
  return { ...options, entryPoints: [entry], outdir };
};
