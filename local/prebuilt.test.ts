import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prebuilt, type PrebuiltOptions } from './prebuilt.mjs';

let root: string;
let options: PrebuiltOptions;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alertwarden-prebuilt-'));
  await mkdir(join(root, 'lib'));
  await writeFile(join(root, 'tsconfig.json'), '{}');
  await writeFile(join(root, 'main.ts'), "export { here, level } from './lib/where.ts';\nexport { default as policy } from './policy.json' with { type: 'json' };\n");
  await writeFile(join(root, 'lib', 'where.ts'), "export const here: string = import.meta.url;\nexport const level: number = 1;\n");
  await writeFile(join(root, 'policy.json'), '{"default":"low"}');
  options = { root, cacheDir: join(root, 'cache'), entries: ['main.ts'] };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Built = { here: string; level: number; policy: { default: string } };
const load = async (path: string) => (await import(pathToFileURL(path).href)) as Built;

describe('prebuilt', () => {
  test('a build keeps each source file’s own import.meta.url, so paths resolved from it do not move', async () => {
    const build = await prebuilt(options);
    expect(build?.built).toBe(true);
    const mod = await load(build!.outputs['main.ts']!);
    expect(mod.here).toBe(pathToFileURL(join(root, 'lib', 'where.ts')).href);
    expect([mod.level, mod.policy.default]).toEqual([1, 'low']);
  });

  test('reused while no source changed', async () => {
    const first = await prebuilt(options);
    const second = await prebuilt(options);
    expect([first?.built, second?.built]).toEqual([false, false]);
    expect(second?.outputs).toEqual(first?.outputs);
  });

  test('rebuilt when an imported file changes, a JSON file included, and the new build has the change', async () => {
    const before = await prebuilt(options);
    await writeFile(join(root, 'lib', 'where.ts'), "export const here: string = import.meta.url;\nexport const level: number = 2;\n");
    const afterTs = await prebuilt(options);
    expect(afterTs?.built).toBe(true);
    expect(afterTs!.outputs['main.ts']).not.toBe(before!.outputs['main.ts']);
    expect((await load(afterTs!.outputs['main.ts']!)).level).toBe(2);

    // Same size, only the time differs: still a change.
    await writeFile(join(root, 'policy.json'), '{"default":"mid"}');
    await utimes(join(root, 'policy.json'), new Date(), new Date(Date.now() + 5_000));
    const afterJson = await prebuilt(options);
    expect(afterJson?.built).toBe(true);
    expect((await load(afterJson!.outputs['main.ts']!)).policy.default).toBe('mid');
  });

  test('another checkout with the same files and the same cache (a shared node_modules) gets its own build', async () => {
    const other = await mkdtemp(join(tmpdir(), 'alertwarden-prebuilt-other-'));
    // Whole seconds, so both copies' times are exactly equal: only the root tells them apart.
    const when = new Date('2026-01-01T00:00:00Z');
    const files = ['tsconfig.json', 'main.ts', 'lib/where.ts', 'policy.json'];
    try {
      await mkdir(join(other, 'lib'));
      for (const file of files) {
        await utimes(join(root, file), when, when);
        await writeFile(join(other, file), await readFile(join(root, file)));
        await utimes(join(other, file), when, when);
      }
      await prebuilt(options);
      const build = await prebuilt({ ...options, root: other });
      expect(build?.built).toBe(true);
      expect((await load(build!.outputs['main.ts']!)).here).toBe(pathToFileURL(join(other, 'lib', 'where.ts')).href);
      // And back: this checkout's build is not the other's.
      expect((await load((await prebuilt(options))!.outputs['main.ts']!)).here).toBe(pathToFileURL(join(root, 'lib', 'where.ts')).href);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test('a build whose folder is gone is built again', async () => {
    const build = await prebuilt(options);
    await rm(dirname(build!.outputs['main.ts']!), { recursive: true, force: true });
    const again = await prebuilt(options);
    expect(again?.built).toBe(true);
    expect((await load(again!.outputs['main.ts']!)).level).toBeGreaterThan(0);
  });

  test('a source that does not compile gives no build (the caller runs the sources through tsx), and a damaged manifest is rebuilt', async () => {
    await writeFile(join(root, 'cache', 'manifest.json'), '{ not json');
    expect((await prebuilt(options))?.built).toBe(true);
    const good = await readFile(join(root, 'lib', 'where.ts'), 'utf8');
    await writeFile(join(root, 'lib', 'where.ts'), 'export const here: string = ;\n');
    expect(await prebuilt(options)).toBeUndefined();
    await writeFile(join(root, 'lib', 'where.ts'), good);
  });
});

describe('prebuilt packages', () => {
  let pkgRoot: string;
  let pkgOptions: PrebuiltOptions;
  const writePackage = async (name: string, main: string, text: string, type?: string) => {
    await mkdir(join(pkgRoot, 'node_modules', name), { recursive: true });
    await writeFile(join(pkgRoot, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', main, ...(type ? { type } : {}) }));
    await writeFile(join(pkgRoot, 'node_modules', name, main), text);
  };

  beforeAll(async () => {
    pkgRoot = await mkdtemp(join(tmpdir(), 'alertwarden-prebuilt-packages-'));
    await writeFile(join(pkgRoot, 'tsconfig.json'), '{}');
    await writeFile(join(pkgRoot, 'main.ts'), "export { answer, hasFs } from 'inlined-pkg';\nexport { where } from 'kept-pkg';\n");
    // CommonJS that calls require(): bundled into ESM it needs the build's real require().
    await writePackage('inlined-pkg', 'index.js', "module.exports = { answer: 41, hasFs: typeof require('node:fs').readFileSync === 'function' };\n");
    await writePackage('kept-pkg', 'index.js', 'export const where = import.meta.url;\n', 'module');
    await writeFile(join(pkgRoot, 'node_modules', '.package-lock.json'), '{"packages":{}}');
    pkgOptions = { root: pkgRoot, cacheDir: join(pkgRoot, 'node_modules', '.cache', 'cli'), entries: ['main.ts'], external: ['kept-pkg'] };
  });
  afterAll(async () => {
    await rm(pkgRoot, { recursive: true, force: true });
  });

  type WithPackages = { answer: number; hasFs: boolean; where: string };
  /** Loaded by a plain Node process, as bin.mjs loads it (this worker's own globals, a require() among them, stay out). */
  const loadBuild = async (path: string): Promise<WithPackages> => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path).href)}); console.log(JSON.stringify({ ...m }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgRoot });
    return JSON.parse(stdout) as WithPackages;
  };
  const buildText = async (path: string) => readFile(path, 'utf8');

  test('packages are bundled, except those named external, which load from node_modules as before', async () => {
    const build = await prebuilt(pkgOptions);
    expect(build?.built).toBe(true);
    const mod = await loadBuild(build!.outputs['main.ts']!);
    expect([mod.answer, mod.hasFs]).toEqual([41, true]);
    expect(mod.where).toBe(pathToFileURL(join(pkgRoot, 'node_modules', 'kept-pkg', 'index.js')).href);
    const text = await buildText(build!.outputs['main.ts']!);
    expect(text).toMatch(/answer: 41/);
    expect(text).toMatch(/from "kept-pkg"/);
    expect(text).not.toMatch(/from "inlined-pkg"/);
  });

  test('rebuilt when npm changes node_modules (its .package-lock.json), not per package file', async () => {
    const before = await prebuilt(pkgOptions);
    expect(before?.built).toBe(false);
    await writePackage('inlined-pkg', 'index.js', "module.exports = { answer: 42, hasFs: typeof require('node:fs').readFileSync === 'function' };\n");
    await writeFile(join(pkgRoot, 'node_modules', '.package-lock.json'), '{"packages":{"node_modules/inlined-pkg":{}}}');
    const after = await prebuilt(pkgOptions);
    expect(after?.built).toBe(true);
    expect((await loadBuild(after!.outputs['main.ts']!)).answer).toBe(42);
  });

  test('without a list every package stays an import; a changed list is a new build', async () => {
    const { external: _, ...allExternal } = pkgOptions;
    const build = await prebuilt(allExternal);
    expect(build?.built).toBe(true);
    const text = await buildText(build!.outputs['main.ts']!);
    expect(text).toMatch(/from "inlined-pkg"/);
    expect(text).not.toMatch(/answer: 4/);
    expect((await prebuilt(pkgOptions))?.built).toBe(true);
  });
});
