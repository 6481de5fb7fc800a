/**
 * The engine's copy of state inputs, swapped for one without pairs (local/stepfunctions-clone.cjs):
 * the same copies as the engine's own, in the engine the runtime loads and in the CLI's bundle.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { stateMachineOf } from './engine.ts';
import { CLI_EXTERNAL, prebuilt } from './prebuilt.mjs';
import { ENGINE_CLONE, PAIRLESS_CLONE, withPairlessClone } from './stepfunctions-clone.cjs';
import stepFunctions from './stepfunctions-engine.cjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const cloneOf = (text: string) => new Function(`${text}; return cloneJSON;`)() as (value: unknown) => unknown;
const engineClone = cloneOf(ENGINE_CLONE);
const pairlessClone = cloneOf(PAIRLESS_CLONE);

/** Inputs as state data holds them: JSON, plus what only JS objects have (an undefined value). */
const INPUTS: unknown[] = [
  null,
  0,
  'text',
  [],
  {},
  [1, 'two', null, [3, [4]], { five: 5 }],
  { reportId: 'r-1', review: { Payload: { report: { alerts: [{ id: 'a', attributes: [{ type: 'ipaddr', value: '203.0.113.7' }] }] }, emitNow: true } } },
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}, "b": 2, "a": 1, "10": "ten", "2": "two"}'),
  { kept: undefined, nested: { alsoKept: undefined } },
];

describe('the pairless copy', () => {
  test.each(INPUTS.map((input) => [JSON.stringify(input) ?? String(input), input]))('%s: a deep copy equal to the engine\u2019s own, key order, own __proto__ and undefined values included', (_name, input) => {
    const ours = pairlessClone(input);
    const theirs = engineClone(input);
    // node's deep equality: vitest's would compare the own `constructor` key as the objects' class.
    assert.deepStrictEqual(ours, theirs);
    if (input !== null && typeof input === 'object') {
      expect(ours).not.toBe(input);
      assert.deepStrictEqual(Object.getOwnPropertyDescriptors(ours), Object.getOwnPropertyDescriptors(theirs));
      expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(theirs));
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test('swapped only where the engine\u2019s function is, once, by its exact text', async () => {
    const enginePath = createRequire(import.meta.url).resolve('aws-local-stepfunctions');
    const source = await readFile(enginePath, 'utf8');
    const swapped = withPairlessClone(source);
    expect(swapped, 'the installed engine has the function as expected').toBeDefined();
    expect(swapped!.split(PAIRLESS_CLONE)).toHaveLength(2);
    expect(swapped!.includes(ENGINE_CLONE)).toBe(false);
    expect(withPairlessClone(source.replace('Object.fromEntries(', 'Object.fromEntries (')), 'a changed function').toBeUndefined();
  });

  test('the engine the runtime loads copies state inputs with it, and runs a machine as before', async () => {
    expect(stepFunctions.cloneReplaced()).toBe(true);
    const machine = stateMachineOf({
      StartAt: 'Keep',
      States: { Keep: { Type: 'Pass', ResultPath: '$.kept', Parameters: { 'list.$': '$.list' }, Next: 'Done' }, Done: { Type: 'Succeed' } },
    } as never);
    const input = JSON.parse('{"__proto__": {"x": 1}, "list": [1, {"a": null}]}') as Record<string, unknown>;
    const output = (await machine.run(input as never).result) as Record<string, unknown>;
    expect(Object.hasOwn(output, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(output).toStrictEqual({ ...JSON.parse('{"__proto__": {"x": 1}}'), list: [1, { a: null }], kept: { list: [1, { a: null }] } });
    expect(output.list).not.toBe(input.list);
  });

  test('the CLI\u2019s bundle has the engine swapped at bundling, and its wrapper does not load the engine again', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'alertwarden-engine-bundle-'));
    try {
      const build = await prebuilt({ root: ROOT, cacheDir, entries: ['local/stepfunctions-engine.cjs'], external: CLI_EXTERNAL });
      expect(build?.built).toBe(true);
      const output = build!.outputs['local/stepfunctions-engine.cjs']!;
      const dir = join(output, '..');
      const text = (await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.js')).map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
      // The engine's function as esbuild printed it (not the two texts in stepfunctions-clone.cjs's template literals).
      const functions = [...text.matchAll(/(.)function cloneJSON\(value\) \{([\s\S]{0,400})/g)].filter((m) => m[1] !== '`').map((m) => m[2]!);
      expect(functions, 'one cloneJSON function in the bundle').toHaveLength(1);
      expect(functions[0]).toContain('new Array(value.length)');
      expect(functions[0]).not.toContain('Object.entries');
      const bundled = (await import(pathToFileURL(output).href)) as { default: typeof stepFunctions };
      expect(bundled.default.cloneReplaced()).toBe(true);
      const machine = new bundled.default.StateMachine({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } } as never);
      expect(await machine.run({ a: [1] } as never).result).toStrictEqual({ a: [1] });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
