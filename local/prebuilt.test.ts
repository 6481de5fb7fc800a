import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

  test('a source that does not compile gives no build (the caller runs the sources through tsx), and a damaged manifest is rebuilt', async () => {
    await writeFile(join(root, 'cache', 'manifest.json'), '{ not json');
    expect((await prebuilt(options))?.built).toBe(true);
    const good = await readFile(join(root, 'lib', 'where.ts'), 'utf8');
    await writeFile(join(root, 'lib', 'where.ts'), 'export const here: string = ;\n');
    expect(await prebuilt(options)).toBeUndefined();
    await writeFile(join(root, 'lib', 'where.ts'), good);
  });
});
