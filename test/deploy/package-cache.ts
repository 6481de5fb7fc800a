/**
 * `sls package` output kept between test runs while nothing it is built from changed. Packaging
 * the service and the tester stack is the deploy test's whole cost (~15 s CPU, 25-70 s wall on
 * 2 cores); its assertions then read the output. A kept output is used only under the SHA-256 of
 * every input, so the assertions always judge what the current sources would package:
 *
 * - every file of the checkout (git's tracked and untracked-but-not-ignored files, by content),
 *   except those that cannot reach a package: tests, test support, benches, docs, CI scripts;
 *   over-inclusion only costs a rebuild;
 * - package-lock.json among them (what `npm ci` installs: osls, the plugins, esbuild, every
 *   bundled dependency), plus the installed versions of the packaging tools as node_modules
 *   holds them, in case node_modules was not reinstalled after a lock change;
 * - the packaging command (arguments, folder) and the Node version running it.
 *
 * A stack whose functions bundle only part of the checkout (the tester stack) is keyed by its own
 * inputs instead (stackInputFiles): its folder and what its handlers import, so a change to the
 * main stack's code does not package it again (~3.3 s CPU).
 *
 * Without git (a source tarball) there is no key and every run packages afresh.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/** Paths (relative, `/`-separated) that no package is built from. */
export const NOT_PACKAGE_INPUT = [/\.test\.ts$/, /^test\//, /^bench\//, /\.md$/, /^\.ci\//, /(^|\/)vitest\.[\w.]*config\.ts$/];

/** The tools whose installed version shapes the output. */
export const PACKAGING_TOOLS = ['osls', 'serverless-esbuild', 'serverless-step-functions', 'esbuild'];

/** Format of a kept entry; bump when what is stored changes. */
const FORMAT = 1;
/** Entries kept beside the newest (another branch's sources, the run before a change). */
const KEEP_ENTRIES = 3;
const COMPLETE = 'complete.json';

/** The checkout's files that may be packaging inputs, sorted; undefined without git. */
export const packageInputFiles = async (root: string): Promise<string[] | undefined> => {
  try {
    const { stdout } = await promisify(execFile)('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    const files = [...new Set(stdout.split('\0').filter(Boolean))];
    return files.filter((f) => !NOT_PACKAGE_INPUT.some((re) => re.test(f))).sort();
  } catch {
    return undefined;
  }
};

/** Project files every stack's packaging reads besides its own: what `npm ci` installs, the compiler settings. */
const SHARED_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json'];

/**
 * The inputs of the stack in `dir` (a folder of the checkout with its own serverless.yml): its
 * own files, the project files its handlers bundle (followed by esbuild as serverless-esbuild
 * resolves them; packages stand for themselves through the lock file) and SHARED_INPUTS.
 * Undefined without git, or when a handler's file cannot be found or bundled: then the caller
 * keys every file.
 */
export const stackInputFiles = async (root: string, dir: string): Promise<string[] | undefined> => {
  const files = await packageInputFiles(root);
  if (!files) return undefined;
  const config = await readFile(join(root, dir, 'serverless.yml'), 'utf8').catch(() => undefined);
  const handlers = [...(config ?? '').matchAll(/^\s+handler:\s*['"]?([\w./-]+)\.\w+['"]?\s*$/gm)].map((m) => join(dir, m[1]!));
  if (handlers.length === 0) return undefined;
  const entries: string[] = [];
  for (const handler of handlers) {
    const found = ['.ts', '.mts', '.js', '.mjs'].map((ext) => `${handler}${ext}`).find((file) => files.includes(file));
    if (!found) return undefined;
    entries.push(found);
  }
  try {
    const esbuild = await import('esbuild');
    const { metafile } = await esbuild.build({
      absWorkingDir: root,
      entryPoints: entries,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      packages: 'external',
      logLevel: 'silent',
      outdir: join(root, dir, '.stack-inputs'),
    });
    const bundled = Object.keys(metafile.inputs).map((input) => relative(root, join(root, input)));
    const own = files.filter((file) => file.startsWith(`${dir}/`));
    return [...new Set([...own, ...bundled, ...SHARED_INPUTS])].filter((file) => !file.split('/').includes('node_modules')).sort();
  } catch {
    return undefined;
  }
};

/**
 * SHA-256 over each input's path and content (a tracked file deleted from the working tree
 * counts as "missing"), the tools' installed versions and `extra` (command, Node version).
 * `inputs`: the files to key (stackInputFiles), instead of every file that may be an input.
 */
export const packageKey = async (root: string, extra: readonly string[] = [], inputs?: readonly string[]): Promise<string | undefined> => {
  const files = inputs ?? (await packageInputFiles(root));
  if (!files) return undefined;
  const hash = createHash('sha256').update(`format ${FORMAT}\n`);
  for (const file of files) {
    const content = await readFile(join(root, file)).catch(() => undefined);
    hash.update(`${file}\0${content ? createHash('sha256').update(content).digest('hex') : 'missing'}\n`);
  }
  for (const tool of PACKAGING_TOOLS) {
    const version = await readFile(join(root, 'node_modules', tool, 'package.json'), 'utf8')
      .then((text) => (JSON.parse(text) as { version?: string }).version)
      .catch(() => 'absent');
    hash.update(`tool ${tool}@${version}\n`);
  }
  for (const e of extra) hash.update(`extra ${e}\n`);
  return hash.digest('hex');
};

export interface CachedPackage {
  /** The folder holding the output (read it, do not write to it). */
  dir: string;
  /** True when it was packaged by an earlier run. */
  reused: boolean;
  /** How long packaging took when this output was made. */
  packageMs: number;
}

/**
 * The output kept under `key` in `cacheDir`, or `build(dir)` run into a fresh folder that is kept
 * under `key` once it completed (renamed whole: a concurrent run sees all of it or none). A failed
 * build keeps nothing. Without a key, builds into `scratchDir` and keeps nothing.
 */
export const cachedPackage = async (
  key: string | undefined,
  cacheDir: string,
  build: (dir: string) => Promise<void>,
  scratchDir: () => Promise<string>,
): Promise<CachedPackage> => {
  if (key) {
    const kept = join(cacheDir, key);
    const complete = await completeEntry(kept, key);
    if (complete) {
      // Last used now: pruning keeps the entries in use.
      const now = new Date();
      await utimes(kept, now, now).catch(() => {});
      return { dir: kept, reused: true, packageMs: complete.packageMs };
    }
  }
  const dir = key ? join(cacheDir, `.building-${process.pid}-${Date.now()}`) : await scratchDir();
  await mkdir(dir, { recursive: true });
  const started = Date.now();
  try {
    await build(dir);
  } catch (error) {
    if (key) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const packageMs = Date.now() - started;
  if (!key) return { dir, reused: false, packageMs };
  await writeFile(join(dir, COMPLETE), JSON.stringify({ format: FORMAT, key, packageMs }));
  const kept = join(cacheDir, key);
  try {
    await rename(dir, kept);
  } catch {
    if (await completeEntry(kept, key)) {
      // Another run kept the same key first: its output is the same; use it.
      await rm(dir, { recursive: true, force: true });
    } else {
      // Something else under that name (an older format): replaced.
      await rm(kept, { recursive: true, force: true });
      await rename(dir, kept);
    }
  }
  await pruneEntries(cacheDir, key);
  return { dir: kept, reused: false, packageMs };
};

const completeEntry = async (dir: string, key: string): Promise<{ key: string; packageMs: number } | undefined> => {
  const complete = await readFile(join(dir, COMPLETE), 'utf8')
    .then((text) => JSON.parse(text) as { format?: number; key?: string; packageMs?: number })
    .catch(() => undefined);
  return complete?.format === FORMAT && complete.key === key && typeof complete.packageMs === 'number' ? { key, packageMs: complete.packageMs } : undefined;
};

/** Removes all but the newest entries, and builds abandoned by a killed run an hour ago or more. */
const pruneEntries = async (cacheDir: string, newest: string): Promise<void> => {
  const entries = await Promise.all(
    (await readdir(cacheDir)).map(async (name) => ({ name, mtimeMs: (await stat(join(cacheDir, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  const kept = entries.filter((e) => !e.name.startsWith('.') && e.name !== newest).sort((a, b) => b.mtimeMs - a.mtimeMs);
  const abandoned = entries.filter((e) => e.name.startsWith('.building-') && Date.now() - e.mtimeMs > 60 * 60 * 1000);
  for (const e of [...kept.slice(KEEP_ENTRIES - 1), ...abandoned]) await rm(join(cacheDir, e.name), { recursive: true, force: true });
};
