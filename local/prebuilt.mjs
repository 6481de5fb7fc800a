// Plain JavaScript: it runs before anything can load TypeScript.
/**
 * The CLI's TypeScript, and the packages it imports, bundled once with esbuild into
 * node_modules/.cache/alertwarden/cli and reused while none of its inputs changed. Through tsx,
 * every module of every start passes tsx's loader thread: ~1.5 s more CPU per `alertwarden run`
 * under load (4.3 vs 5.7 s). Packages loaded from node_modules one module at a time cost a start
 * ~0.45 s more CPU than bundled (Node 22, compile cache on: 1.45 -> 1.0 s for a one-alert run,
 * 1.15 -> 0.65 s with --store memory): resolving, reading and lexing ~3,000 files (CommonJS
 * export detection alone ~0.25 s). Packages that locate files beside their own code or load
 * native bindings (CLI_EXTERNAL) stay imports. Each source file keeps its own `import.meta.url`,
 * so every path resolved from it (statemachines/, policy, sample lists, data packages through
 * createRequire) is the one the source names. Without esbuild (an install without
 * devDependencies) or on any build error, the caller falls back to tsx, which then reports the
 * error against the sources.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FORMAT = 3;
/** A build older than this is removed when a newer one is written; a run started from it is long over. */
const KEEP_OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {{ root: string; cacheDir: string; entries: string[]; external?: string[] }} PrebuiltOptions
 * `entries` are paths relative to `root`; each becomes `<name>.js` in the build. `external`:
 * packages left as imports; without it, every package is.
 */

/**
 * Kept out of the CLI bundle: the storage servers' packages (dynalite's dynamic requires do not
 * bundle; local/storage-servers.mjs imports them on first use), the LevelDB binding
 * behind --state (native, found through __dirname), and the build tools themselves.
 */
export const CLI_EXTERNAL = ['dynalite', 's3rver', 'level', 'classic-level', 'esbuild', 'tsx', 'fsevents'];

/** @type {PrebuiltOptions} */
export const CLI_BUILD = {
  root: fileURLToPath(new URL('..', import.meta.url)),
  cacheDir: fileURLToPath(new URL('../node_modules/.cache/alertwarden/cli', import.meta.url)),
  entries: ['local/polyfills.ts', 'local/cli.ts'],
  external: CLI_EXTERNAL,
};

/**
 * npm rewrites this file whenever it changes node_modules: it stands for every bundled
 * package's files, which are not checked one by one (~3,500 stats per start).
 */
const INSTALLED = 'node_modules/.package-lock.json';

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

/** Bare imports of packages named in `external` (or of any package, without a list) stay imports. */
const packagesOutside = (external) => ({
  name: 'packages-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      return external === undefined || external.includes(name) ? { path: args.path, external: true } : undefined;
    });
  },
});

/**
 * The local engine with its pairless copy of state inputs (local/stepfunctions-clone.cjs),
 * swapped here as it is bundled; local/stepfunctions-engine.cjs is told so, and does not load
 * and compile the engine a second time itself. Nothing changes where the engine stays an
 * import (then that file swaps it as it loads) or cannot be found.
 */
const enginePairlessClone = (root, external) => ({
  name: 'engine-pairless-clone',
  setup(build) {
    if (external === undefined || external.includes('aws-local-stepfunctions')) return;
    const { withPairlessClone } = createRequire(import.meta.url)('./stepfunctions-clone.cjs');
    let swapped;
    build.onStart(async () => {
      const enginePath = (() => {
        try {
          return createRequire(join(root, 'package.json')).resolve('aws-local-stepfunctions');
        } catch {
          return undefined;
        }
      })();
      swapped = enginePath === undefined ? undefined : withPairlessClone(await readFile(enginePath, 'utf8'));
    });
    build.onLoad({ filter: /aws-local-stepfunctions[\\/]build[\\/]main\.node\.cjs$/ }, () => (swapped === undefined ? undefined : { contents: swapped, loader: 'js' }));
    build.onLoad({ filter: /local[\\/]stepfunctions-engine\.cjs$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: swapped === undefined ? text : text.replace('const CLONE_REPLACED_IN_BUNDLE = false;', 'const CLONE_REPLACED_IN_BUNDLE = true;'), loader: 'js' };
    });
  },
});

const build = async ({ root, cacheDir, entries, external }) => {
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
    // As the Lambda bundles (serverless.yml custom.esbuild): packages' ESM builds where they
    // have one, and a real require() for the CommonJS ones that call it.
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as __awCreateRequire } from 'node:module'; const require = __awCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [keepImportMetaUrl, packagesOutside(external), enginePairlessClone(root, external)],
  });
  const inputs = {};
  const own = Object.keys(result.metafile.inputs).filter((path) => !path.split('/').includes('node_modules'));
  const bundlesPackages = own.length < Object.keys(result.metafile.inputs).length;
  for (const path of [...own, 'tsconfig.json', ...(bundlesPackages ? ['package-lock.json', INSTALLED] : [])]) {
    const s = await stat(join(root, path)).catch(() => undefined);
    if (s) inputs[relative(root, join(root, path))] = [s.size, s.mtimeMs];
  }
  // Written whole, then renamed: a start running beside this one reads the old manifest or this one, never half of it.
  const manifest = { format: FORMAT, node: process.version, root, entries, external: external ?? null, dir: name, inputs };
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
    JSON.stringify(manifest.external) === JSON.stringify(options.external ?? null) &&
    (await fresh(options.root, manifest)) &&
    // Its files still there (a cache cleared by hand, a build folder removed).
    (await Promise.all(Object.values(outputsOf(join(options.cacheDir, manifest.dir), options.entries)).map((path) => stat(path).then(() => true, () => false)))).every(Boolean)
  ) {
    return { outputs: outputsOf(join(options.cacheDir, manifest.dir), options.entries), built: false };
  }
  try {
    return await build(options);
  } catch {
    return undefined;
  }
};
