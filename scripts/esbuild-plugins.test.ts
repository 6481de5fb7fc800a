import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const plugins = createRequire(import.meta.url)('./esbuild-plugins.cjs') as Plugin[];

// A handler module that says when it is evaluated and hands back what it was called with.
const HANDLER = `
import { hostname } from 'node:os';
import * as path from 'path';
import { setTimeout as sleep } from 'node:timers/promises';
(globalThis.evaluated ??= []).push('handler module');
export const handler = async (event, context) => {
  await sleep(1);
  const { types } = await import('node:util');
  return { event, requestId: context.awsRequestId, host: typeof hostname(), sep: path.sep, isDate: types.isDate(new Date()) };
};
`;
// Imports the built entry, then invokes it once; prints what was evaluated when.
const RUNNER = `
const { handler } = await import(process.argv[2]);
const atInit = [...(globalThis.evaluated ?? [])];
const answer = await handler({ id: 7 }, { awsRequestId: 'r-1' });
process.stdout.write(JSON.stringify({ atInit, answer, after: globalThis.evaluated }));
`;

let dir = '';
let entry = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-entry-'));
  await writeFile(join(dir, 'alerts.ts'), HANDLER);
  await writeFile(join(dir, 'runner.mjs'), RUNNER);
  // As serverless-esbuild builds one function (custom.esbuild in serverless.yml).
  await build({ entryPoints: [join(dir, 'alerts.ts')], outdir: join(dir, 'out'), bundle: true, format: 'esm', platform: 'node', splitting: true, outExtension: { '.js': '.mjs' }, plugins, logLevel: 'silent' });
  entry = join(dir, 'out', 'alerts.mjs');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = async (env: Record<string, string> = {}) => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'runner.mjs'), entry], { env: { PATH: process.env.PATH, ...env } });
  return JSON.parse(stdout) as { atInit: string[]; answer: unknown; after: string[] };
};

describe('handler-loaded-on-first-invocation', () => {
  test('Init imports only a small entry; the handler module is a chunk beside it', async () => {
    const code = await readFile(entry, 'utf8');
    console.log(`entry: ${code.length} bytes`);
    expect(code.length).toBeLessThan(1024);
    expect(code).not.toContain('handler module');
    expect(await readdir(join(dir, 'out', 'alerts.chunks'))).toEqual([expect.stringMatching(/^alerts-[A-Z0-9]+\.mjs$/)]);
  });

  test('the handler module is evaluated on the first invocation, which gets the event and context unchanged', async () => {
    const { atInit, answer, after } = await run();
    expect(atInit).toEqual([]);
    expect(answer).toEqual({ event: { id: 7 }, requestId: 'r-1', host: 'string', sep: '/', isDate: true });
    expect(after).toEqual(['handler module']);
  });

  test('under provisioned concurrency the handler module is evaluated at Init, once', async () => {
    const { atInit, after } = await run({ AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' });
    expect(atInit).toEqual(['handler module']);
    expect(after).toEqual(['handler module']);
  });
});

describe("zod's classic API, as the bundles get it", () => {
  // `import { z } from 'zod'` binds zod's whole namespace object as a value, so esbuild keeps all of
  // it (~177 KB minified in every handler module, ~20 ms of CPU to load); with `import * as z`
  // it keeps what the code reaches (a one-schema bundle: 85 KB).
  test('project code imports zod as a namespace', async () => {
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    for (const folder of ['adapters', 'core', 'detectors', 'emitters', 'functions', 'inspectors', 'local', 'reviewer', 'sources', 'tester']) {
      const files = (await readdir(join(root, folder), { recursive: true })).filter((name) => /\.m?ts$/.test(name) && !name.includes('node_modules'));
      for (const name of files) {
        const text = await readFile(join(root, folder, name), 'utf8');
        if (/^import\s+\{[^}]*\}\s+from\s+'zod'/m.test(text)) offenders.push(`${folder}/${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('a bundle of one schema keeps only the zod it reaches; it validates as zod does, and says JSON Schema generation was left out', async () => {
    const source = [
      "import * as z from 'zod';",
      'const schema = z.object({ id: z.string().min(2) });',
      'const jsonSchema = () => { try { return z.toJSONSchema(schema); } catch (e) { return e.message; } };',
      'const method = () => { try { return schema.toJSONSchema(); } catch (e) { return e.message; } };',
      "export const outcome = { ok: schema.safeParse({ id: 'i-1' }).success, short: schema.safeParse({ id: 'i' }).error?.issues[0]?.code, minLength: schema.shape.id.minLength, jsonSchema: jsonSchema(), method: method() };",
    ].join('\n');
    await writeFile(join(dir, 'one-schema.ts'), source);
    const outfile = join(dir, 'one-schema.mjs');
    await build({ entryPoints: [join(dir, 'one-schema.ts')], outfile, bundle: true, format: 'esm', platform: 'node', minify: true, plugins, logLevel: 'silent', nodePaths: [join(import.meta.dirname, '..', 'node_modules')] });
    const bytes = (await readFile(outfile)).length;
    console.log(`one zod schema, bundled and minified: ${(bytes / 1024).toFixed(0)} KiB`);
    expect(bytes).toBeLessThan(100 * 1024);
    const { outcome } = (await import(pathToFileURL(outfile).href)) as { outcome: Record<string, unknown> };
    const leftOut = 'JSON Schema generation (zod) is not bundled with AlertWarden (scripts/esbuild-plugins.cjs)';
    expect(outcome).toEqual({ ok: true, short: 'too_small', minLength: 2, jsonSchema: leftOut, method: leftOut });
  });
});
