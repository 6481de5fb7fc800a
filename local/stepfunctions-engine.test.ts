/**
 * The local engine's JSONPath queries: answered as jsonpath-plus answers them, without the
 * Error jsonpath-plus throws (and catches) for every scalar when called without `new`.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { stateMachineOf } from './engine.ts';
import stepFunctions from './stepfunctions-engine.cjs';

const require = createRequire(import.meta.url);
type JsonPathFn = ((opts: unknown, ...rest: unknown[]) => unknown) & (new (opts: unknown, ...rest: unknown[]) => unknown);
const installed = (require('jsonpath-plus') as { JSONPath: JsonPathFn }).JSONPath;
const original = Object.getPrototypeOf(installed) as JsonPathFn;

/** jsonpath-plus's internal NewError, found by making it throw one. */
const newErrorClass = (() => {
  try {
    new original({ path: '$.a', json: { a: 1 }, wrap: false });
  } catch (error) {
    return (error as Error).constructor;
  }
  throw new Error('jsonpath-plus did not throw NewError for a scalar: the wrapper may no longer be needed');
})();

/** Counts NewError constructions while `work` runs (its super() call goes through a counting base). */
const newErrorsDuring = async (work: () => Promise<unknown>) => {
  let count = 0;
  const base = Object.getPrototypeOf(newErrorClass) as unknown;
  function Counting(this: Error, message: string) {
    count++;
    this.message = message;
  }
  Object.setPrototypeOf(newErrorClass, Counting);
  try {
    await work();
  } finally {
    Object.setPrototypeOf(newErrorClass, base as object);
  }
  return count;
};

const json = { phase: 'final', n: 0, flag: false, empty: '', none: null, list: [1, { b: 2 }], nested: { deep: { value: 'x' } } };

describe('jsonpath-plus as the engine calls it', () => {
  test.each([
    ['$.phase'],
    ['$.n'],
    ['$.flag'],
    ['$.empty'],
    ['$.none'],
    ['$.missing'],
    ['$.missing.deeper'],
    ['$.list'],
    ['$.list[1].b'],
    ['$.nested'],
    ['$.nested.deep.value'],
    ['$'],
    ['$.list[*]'],
    ['$..value'],
  ])('%s: the same answer as jsonpath-plus itself', (path) => {
    for (const opts of [
      { path, json, wrap: false },
      { path, json, wrap: true },
      { path, json, wrap: false, resultType: 'path' },
      { path, json: null, wrap: false },
    ]) {
      expect(installed(opts), JSON.stringify(opts)).toEqual(original(opts));
    }
  });

  test('other call shapes go to jsonpath-plus unchanged: positional arguments, `new`, autostart off', () => {
    expect(installed('$.nested.deep.value', json)).toEqual(original('$.nested.deep.value', json));
    const made = new installed({ path: '$.list', json, wrap: false, autostart: false }) as { evaluate(a: unknown): unknown };
    expect(made).toBeInstanceOf(original);
    expect(made.evaluate({ path: '$.list', json })).toEqual(json.list);
    expect(() => new installed({ path: '$.n', json, wrap: false })).toThrow(/should not be called with "new"/);
  });

  test('a machine of Choice states and `.$` parameters runs without one NewError; jsonpath-plus alone would throw one per scalar', async () => {
    const definition = {
      StartAt: 'IsFinal',
      States: {
        IsFinal: {
          Type: 'Choice',
          Choices: [{ And: [{ Variable: '$.phase', StringEquals: 'final' }, { Variable: '$.n', NumericEquals: 0 }], Next: 'Pick' }],
          Default: 'Failed',
        },
        Pick: { Type: 'Pass', Parameters: { 'value.$': '$.nested.deep.value', 'flag.$': '$.flag' }, Next: 'IsPicked' },
        IsPicked: { Type: 'Choice', Choices: [{ Variable: '$.value', StringEquals: 'x', Next: 'Done' }], Default: 'Failed' },
        Done: { Type: 'Succeed' },
        Failed: { Type: 'Fail', Error: 'WrongBranch' },
      },
    };
    // Built as the local engine builds its machines: from the CommonJS build the wrapper serves.
    const machine = stateMachineOf(definition as never);
    expect(machine).toBeInstanceOf(stepFunctions.StateMachine);
    const queriesBefore = stepFunctions.jsonPathQueries();
    let output: unknown;
    const thrown = await newErrorsDuring(async () => {
      output = await machine.run(json as never).result;
    });
    const queries = stepFunctions.jsonPathQueries() - queriesBefore;
    // What the same queries cost through jsonpath-plus's own call without `new`.
    const unwrapped = await newErrorsDuring(async () => {
      for (const path of ['$.phase', '$.n', '$.nested.deep.value', '$.flag']) original({ path, json, wrap: false });
    });
    expect(output).toEqual({ value: 'x', flag: false });
    expect(queries, `${queries} engine queries went through the wrapper`).toBeGreaterThanOrEqual(5);
    expect(unwrapped, 'the probe sees jsonpath-plus throw').toBe(4);
    expect(thrown, `${thrown} NewError(s) built while the machine ran`).toBe(0);
  });
});
