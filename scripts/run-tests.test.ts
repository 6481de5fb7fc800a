import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runTogether } from './run-tests.mjs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-run-tests-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in command: node running `body` (plain JS, `fs` and `path` in scope). */
const node = (body: string) => ({ command: process.execPath, args: ['-e', `const fs = require('node:fs'); const path = require('node:path'); ${body}`] });
/** Waits for a file the other command writes; gives up (exit 9) after 60 s so a hang fails instead. */
const waitFor = (name: string) =>
  `const until = Date.now() + 60000; while (!fs.existsSync(path.join(${JSON.stringify(dir)}, '${name}'))) { if (Date.now() > until) process.exit(9); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); }`;
const touch = (name: string) => `fs.writeFileSync(path.join(${JSON.stringify(dir)}, '${name}'), '');`;

describe('runTogether (npm test)', () => {
  test('runs the type check and the suite at once: each here waits for a file the other writes', async () => {
    const written: string[] = [];
    const code = await runTogether({ typecheck: node(`${touch('tsc-started')} ${waitFor('suite-started')}`), suite: node(`${touch('suite-started')} ${waitFor('tsc-started')}`), write: (t) => written.push(t) });
    expect([code, written]).toEqual([0, []]);
  });

  test('a type error fails the run though every test passed, and tsc’s output is printed', async () => {
    const written: string[] = [];
    const code = await runTogether({ typecheck: node("console.log('core/x.ts(1,7): error TS2322'); process.exit(2)"), suite: node('process.exit(0)'), write: (t) => written.push(t) });
    expect(code).toBe(1);
    expect(written.join('')).toMatch(/type check failed \(tsc, exit 2\):\ncore\/x\.ts\(1,7\): error TS2322/);
  });

  test('a failing suite gives its own exit code, whatever the type check says', async () => {
    expect(await runTogether({ typecheck: node('process.exit(0)'), suite: node('process.exit(3)'), write: () => {} })).toBe(3);
    expect(await runTogether({ typecheck: node('process.exit(2)'), suite: node('process.exit(3)'), write: () => {} })).toBe(3);
  });

  test('a type check that cannot start counts as failed', async () => {
    const written: string[] = [];
    const code = await runTogether({ typecheck: { command: join(dir, 'no-such-tsc'), args: [] }, suite: node('process.exit(0)'), write: (t) => written.push(t) });
    expect(code).toBe(1);
    expect(written.join('')).toMatch(/ENOENT/);
  });
});
