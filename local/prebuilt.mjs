// Plain JavaScript: it runs before anything can load TypeScript.
/**
 * The CLI's TypeScript transpiled once with esbuild into node_modules/.cache/alertwarden/cli and
 * reused while none of its sources changed. Through tsx, every module of every start passes
 * tsx's loader thread: ~1.5 s more CPU per `alertwarden run` under load (4.3 vs 5.7 s). Packages
 * stay external, so node_modules loads exactly as before; each source file keeps its own
 * `import.meta.url`, so every path resolved from it (statemachines/, policy, sample lists, data
 * packages through createRequire) is the one the source names. Without esbuild (an install
 * without devDependencies) or on any build error, the caller falls back to tsx, which then reports
 * the error against the sources.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FORMAT = 1;
/** A build older than this is removed when a newer one is written; a run started from it is long over. */
const KEEP_OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {{ root: string; cacheDir: string; entries: string[] }} PrebuiltOptions
 * `entries` are paths relative to `root`; each becomes `<name>.js` in the build.
 */

/** @type {PrebuiltOptions} */
export const CLI_BUILD = {
  root: fileURLToPath(new URL('..', import.meta.url)),
  cacheDir: fileURLToPath(new URL('../node_modules/.cache/alertwarden/cli', import.meta.url)),
  entries: ['local/polyfills.ts', 'local/cli.ts'],
};

const outputsOf = (dir, entries) => Object.fromEntries(entries.map((e) => [e, join(dir, `${e.replace(/^.*\//, '').replace(/\.[cm]?[jt]s$/, '')}.js`)]));

/** Every input's size and mtime, as recorded: the build is fresh while they all still match. */
const fresh = async (root, manifest) => {
  const checks = await Promise.all(
    Object.entries(manifest.inputs).map(async ([path, [size, mtimeMs]]) => {
      const s = await stat(join(root, path)).catch(() => undefined);
      return s !== undefined && s.size === size && s.mtimeMs === mtimeMs;
    }),
  );
  return checks.every(Boolean);
};

/** `import.meta.url` of each project file (not packages) written as that file's own URL. */
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

const build = async ({ root, cacheDir, entries }) => {
  const esbuild = await import('esbuild');
  await mkdir(cacheDir, { recursive: true });
  const name = `build-${Date.now()}-${process.pid}`;
  const dir = join(cacheDir, name);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: dir,
    entryNames: '[name]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [keepImportMetaUrl],
  });
  const inputs = {};
  for (const path of [...Object.keys(result.metafile.inputs), 'tsconfig.json']) {
    const s = await stat(join(root, path)).catch(() => undefined);
    if (s) inputs[relative(root, join(root, path))] = [s.size, s.mtimeMs];
  }
  // Written whole, then renamed: a start running beside this one reads the old manifest or this one, never half of it.
  const manifest = { format: FORMAT, node: process.version, root, entries, dir: name, inputs };
  const temp = join(cacheDir, `manifest.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify(manifest));
  await rename(temp, join(cacheDir, 'manifest.json'));
  for (const old of await readdir(cacheDir)) {
    if (!old.startsWith('build-') || old === name) continue;
    const s = await stat(join(cacheDir, old)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > KEEP_OLD_BUILD_MS) await rm(join(cacheDir, old), { recursive: true, force: true });
  }
  return { outputs: outputsOf(dir, entries), built: true };
};

/**
 * The built entries (source path -> built file), rebuilt first if any source changed since the
 * last build; undefined if they cannot be built here.
 * @param {PrebuiltOptions} options
 * @returns {Promise<{ outputs: Record<string, string>; built: boolean } | undefined>}
 */
export const prebuilt = async (options = CLI_BUILD) => {
  const manifest = await readFile(join(options.cacheDir, 'manifest.json'), 'utf8')
    .then((text) => JSON.parse(text))
    .catch(() => undefined);
  if (
    manifest?.format === FORMAT &&
    manifest.node === process.version &&
    // Another checkout sharing this node_modules (a symlink) has the same relative paths but its own URLs.
    manifest.root === options.root &&
    JSON.stringify(manifest.entries) === JSON.stringify(options.entries) &&
    (await fresh(options.root, manifest))
  ) {
    return { outputs: outputsOf(join(options.cacheDir, manifest.dir), options.entries), built: false };
  }
  try {
    return await build(options);
  } catch {
    return undefined;
  }
};
