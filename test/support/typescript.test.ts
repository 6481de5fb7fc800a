import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { nodeArgsFor } from './typescript.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';
let script = '';
/** Where nodeArgsFor keeps this script's builds. */
let cacheDir = '';
const builds = async () => (await readdir(cacheDir).catch(() => [] as string[])).filter((name) => name.startsWith('build-'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-node-args-'));
  script = join(dir, 'child.ts');
  cacheDir = join(ROOT, 'node_modules', '.cache', 'alertwarden', 'scripts', relative(ROOT, script).replaceAll('/', '__'));
  await writeFile(script, 'const answer: number = 42;\nconsole.log(answer);\n');
});

afterAll(async () => {
  await Promise.all([rm(dir, { recursive: true, force: true }), rm(cacheDir, { recursive: true, force: true })]);
});

test('calls made while a build is under way share it; a call after it checks the sources again', async () => {
  const [first, second] = await Promise.all([nodeArgsFor(script), nodeArgsFor(script)]);
  const built = await builds();
  expect(built, 'one build for two calls at once').toHaveLength(1);
  expect(first).toEqual([join(cacheDir, built[0]!, 'child.js')]);
  expect(second).toEqual(first);

  await writeFile(script, 'const answer: number = 43;\nconsole.log(answer);\n');
  const after = await nodeArgsFor(script);
  expect(await builds(), 'the changed source built again').toHaveLength(2);
  expect(after).not.toEqual(first);
});
