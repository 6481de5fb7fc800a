import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cachedPackage, packageKey, stackInputFiles } from './package-cache.ts';

/** Writes a file under a folder, making its parent folders. */
const writeIn = async (dir: string, file: string, text: string) => {
  await mkdir(dirname(join(dir, file)), { recursive: true });
  await writeFile(join(dir, file), text);
};

/** A temporary git checkout holding these files, every one added to the index. */
const checkoutWith = async (prefix: string, files: Record<string, string>) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await promisify(execFile)('git', ['init', '-q'], { cwd: dir });
  for (const [file, text] of Object.entries(files)) await writeIn(dir, file, text);
  await promisify(execFile)('git', ['add', '-A'], { cwd: dir });
  return dir;
};

let root: string;
const write = (file: string, text: string) => writeIn(root, file, text);

beforeAll(async () => {
  root = await checkoutWith('alertwarden-package-key-', {
    '.gitignore': 'node_modules/\n.esbuild/\n',
    'serverless.yml': 'service: s\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
    'functions/ingest.ts': 'export const handler = 1;\n',
    'statemachines/round.asl.json': '{"StartAt":"A"}\n',
    'tester/serverless.yml': 'service: t\n',
    'core/alert.test.ts': 'test 1\n',
    'test/e2e/cli.test.ts': 'test 1\n',
    'test/support/cli.ts': 'support 1\n',
    'README.md': 'docs 1\n',
    'node_modules/osls/package.json': '{"version":"4.3.1"}\n',
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packageKey', () => {
  /** The key with `file` changed, then the file restored (and the restored key checked). */
  const keyWith = async (file: string, text: string): Promise<string | undefined> => {
    const before = await packageKey(root);
    const original = await readFile(join(root, file), 'utf8').catch(() => undefined);
    await write(file, text);
    const changed = await packageKey(root);
    if (original === undefined) await rm(join(root, file));
    else await write(file, original);
    expect(await packageKey(root), `the key is back once ${file} is`).toBe(before);
    return changed;
  };

  test('is a SHA-256, the same for the same inputs', async () => {
    const key = await packageKey(root);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await packageKey(root)).toBe(key);
  });

  test.each([
    ['serverless.yml', 'service: s2\n'],
    ['tester/serverless.yml', 'service: t2\n'],
    ['package-lock.json', '{"lockfileVersion":3,"packages":{}}\n'],
    ['functions/ingest.ts', 'export const handler = 2;\n'],
    ['statemachines/round.asl.json', '{"StartAt":"B"}\n'],
    ['core/new-module.ts', 'export {};\n'],
    ['node_modules/osls/package.json', '{"version":"4.3.2"}\n'],
  ])('changes when %s changes (or appears)', async (file, text) => {
    const key = await packageKey(root);
    expect(await keyWith(file, text)).not.toBe(key);
  });

  test('changes with the command it keys (stage, Node version)', async () => {
    expect(await packageKey(root, ['--stage ci'])).not.toBe(await packageKey(root, ['--stage dev']));
  });

  test('changes when a tracked file is deleted', async () => {
    const key = await packageKey(root);
    await rm(join(root, 'statemachines/round.asl.json'));
    expect(await packageKey(root)).not.toBe(key);
    await write('statemachines/round.asl.json', '{"StartAt":"A"}\n');
    expect(await packageKey(root)).toBe(key);
  });

  test.each([
    ['core/alert.test.ts', 'test 2\n'],
    ['test/e2e/cli.test.ts', 'test 2\n'],
    ['test/support/cli.ts', 'support 2\n'],
    ['README.md', 'docs 2\n'],
    ['node_modules/zod/index.js', 'ignored by git: the lock file speaks for it\n'],
  ])('is the same when only %s changes: no package is built from it', async (file, text) => {
    const key = await packageKey(root);
    expect(await keyWith(file, text)).toBe(key);
  });

  test('is undefined outside a git checkout (nothing is kept then)', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'alertwarden-no-git-'));
    try {
      expect(await packageKey(plain)).toBeUndefined();
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});

describe('stackInputFiles', () => {
  /** A checkout with a main stack's function and a tester stack whose one handler imports core/. */
  let repo: string;
  const put = (file: string, text: string) => writeIn(repo, file, text);
  const testerKey = async () => packageKey(repo, ['tester'], await stackInputFiles(repo, 'tester'));

  beforeAll(async () => {
    repo = await checkoutWith('alertwarden-stack-inputs-', {
      '.gitignore': 'node_modules/\n',
      'package.json': '{"type":"module"}\n',
      'package-lock.json': '{"lockfileVersion":3}\n',
      'serverless.yml': 'functions:\n  ingest:\n    handler: functions/ingest.handler\n',
      'functions/ingest.ts': "import { shared } from '../core/shared.ts';\nexport const handler = () => shared;\n",
      'core/shared.ts': 'export const shared = 1;\n',
      'core/report.ts': 'export const reportOf = (x: number) => x;\n',
      'tester/serverless.yml': 'functions:\n  record:\n    handler: functions/record.handler\n    description: x\n',
      'tester/functions/record.ts': "import { reportOf } from '../../core/report.ts';\nimport { Client } from 'some-sdk';\nexport const handler = () => reportOf(new Client().x);\n",
      'tester/record.test.ts': 'test 1\n',
    });
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  test('the stack’s own files, the project files its handlers import, and the package files; not the other stack’s code', async () => {
    expect(await stackInputFiles(repo, 'tester')).toEqual(['core/report.ts', 'package-lock.json', 'package.json', 'tester/functions/record.ts', 'tester/serverless.yml', 'tsconfig.json']);
  });

  test('its key changes with what the handler bundles and with the stack’s settings, not with the main stack’s code or the stack’s tests', async () => {
    const key = await testerKey();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const changedBy = async (file: string, text: string) => {
      const original = await readFile(join(repo, file), 'utf8');
      await put(file, text);
      const changed = await testerKey();
      await put(file, original);
      expect(await testerKey(), `the key is back once ${file} is`).toBe(key);
      return changed !== key;
    };
    expect(await changedBy('core/report.ts', 'export const reportOf = (x: number) => x + 1;\n')).toBe(true);
    expect(await changedBy('tester/serverless.yml', "functions:\n  record:\n    handler: functions/record.handler\n    description: y\n")).toBe(true);
    expect(await changedBy('package-lock.json', '{"lockfileVersion":3,"packages":{}}\n')).toBe(true);
    expect(await changedBy('functions/ingest.ts', 'export const handler = () => 2;\n')).toBe(false);
    expect(await changedBy('core/shared.ts', 'export const shared = 2;\n')).toBe(false);
    expect(await changedBy('tester/record.test.ts', 'test 2\n')).toBe(false);
  });

  test('a handler that imports one more project file adds it', async () => {
    const original = await readFile(join(repo, 'tester/functions/record.ts'), 'utf8');
    await put('tester/functions/record.ts', `import { shared } from '../../core/shared.ts';\n${original}export const also = shared;\n`);
    try {
      expect(await stackInputFiles(repo, 'tester')).toContain('core/shared.ts');
    } finally {
      await put('tester/functions/record.ts', original);
    }
  });

  test('undefined (every file keyed) when a handler’s file is missing or the stack names no handler', async () => {
    await put('tester/serverless.yml', "functions:\n  record:\n    handler: functions/gone.handler\n");
    expect(await stackInputFiles(repo, 'tester')).toBeUndefined();
    await put('tester/serverless.yml', 'service: t\n');
    expect(await stackInputFiles(repo, 'tester')).toBeUndefined();
    await put('tester/serverless.yml', "functions:\n  record:\n    handler: functions/record.handler\n    description: x\n");
    expect(await stackInputFiles(repo, 'tester')).toBeDefined();
  });
});

describe('cachedPackage', () => {
  let cache: string;
  let builds: string[];
  const build = (label: string) => async (dir: string) => {
    builds.push(label);
    await writeFile(join(dir, 'template.json'), label);
  };
  const scratch = async () => mkdtemp(join(tmpdir(), 'alertwarden-scratch-'));

  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'alertwarden-package-cache-'));
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  test('packages once per key; a later run with the same key reads the kept output', async () => {
    builds = [];
    const first = await cachedPackage('a'.repeat(64), cache, build('first'), scratch);
    const second = await cachedPackage('a'.repeat(64), cache, build('second'), scratch);
    expect(builds).toEqual(['first']);
    expect([first.reused, second.reused]).toEqual([false, true]);
    expect(second.dir).toBe(first.dir);
    expect(await readFile(join(second.dir, 'template.json'), 'utf8')).toBe('first');
    const other = await cachedPackage('b'.repeat(64), cache, build('other key'), scratch);
    expect(builds).toEqual(['first', 'other key']);
    expect(await readFile(join(other.dir, 'template.json'), 'utf8')).toBe('other key');
  });

  test('a failed packaging keeps nothing: the next run packages again', async () => {
    builds = [];
    const failing = async (dir: string) => {
      await writeFile(join(dir, 'template.json'), 'half');
      throw new Error('sls package exited with 1');
    };
    await expect(cachedPackage('c'.repeat(64), cache, failing, scratch)).rejects.toThrow(/exited with 1/);
    expect((await readdir(cache)).filter((name) => name.startsWith('c') || name.startsWith('.'))).toEqual([]);
    const next = await cachedPackage('c'.repeat(64), cache, build('after the failure'), scratch);
    expect([next.reused, builds]).toEqual([false, ['after the failure']]);
  });

  test('an entry without its completion record is not used', async () => {
    builds = [];
    await mkdir(join(cache, 'd'.repeat(64)));
    await writeFile(join(cache, 'd'.repeat(64), 'template.json'), 'interrupted');
    const result = await cachedPackage('d'.repeat(64), cache, build('rebuilt'), scratch);
    expect([result.reused, builds, await readFile(join(result.dir, 'template.json'), 'utf8')]).toEqual([false, ['rebuilt'], 'rebuilt']);
  });

  test('without a key, packages into a scratch folder every time and keeps nothing', async () => {
    builds = [];
    const before = await readdir(cache);
    const one = await cachedPackage(undefined, cache, build('one'), scratch);
    const two = await cachedPackage(undefined, cache, build('two'), scratch);
    try {
      expect(builds).toEqual(['one', 'two']);
      expect(one.dir).not.toBe(two.dir);
      expect(await readdir(cache)).toEqual(before);
    } finally {
      await rm(one.dir, { recursive: true, force: true });
      await rm(two.dir, { recursive: true, force: true });
    }
  });

  test('keeps the newest three entries', async () => {
    for (const k of ['e', 'f', 'g', 'h']) await cachedPackage(k.repeat(64), cache, build(k), scratch);
    expect((await readdir(cache)).sort()).toEqual(['f', 'g', 'h'].map((k) => k.repeat(64)));
  });
});
