import assert from 'node:assert/strict';
import { test } from 'vitest';
import { childPoolSizeArgs, chosenPoolSize, helperThreads, poolSizeChosen, poolSizeOption } from './v8-helper-threads.mjs';

test('V8 gets every core but one for its helpers, at least 1 and at most Node\'s own 4', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 8, 64].map((cores) => helperThreads(cores)), [1, 1, 2, 3, 4, 4, 4]);
  assert.equal(poolSizeOption(2), '--v8-pool-size=1');
});

test('a pool size already chosen, on the command line or in NODE_OPTIONS, is left as it is', () => {
  assert.equal(poolSizeChosen([], ''), false);
  assert.equal(poolSizeChosen(['--v8-pool-size=3'], ''), true);
  assert.equal(poolSizeChosen(['--v8-pool-size', '3'], ''), true);
  assert.equal(poolSizeChosen(['--expose-gc'], '--max-old-space-size=4096 --v8-pool-size=2'), true);
  // Not a prefix match on other options.
  assert.equal(poolSizeChosen(['--v8-pool-size-x=1'], '--v8-options'), false);
  // The size itself, as the bench prints it, in either spelling.
  assert.equal(chosenPoolSize(['--v8-pool-size', '3'], ''), '3');
  assert.equal(chosenPoolSize([], '--expose-gc --v8-pool-size=2'), '2');
  assert.equal(chosenPoolSize(['--expose-gc'], ''), undefined);  // A child started by a bench or the test run inherits NODE_OPTIONS: it is given the option only when that names none.
  assert.deepEqual(childPoolSizeArgs('--max-old-space-size=4096'), [poolSizeOption()]);
  assert.deepEqual(childPoolSizeArgs('--v8-pool-size=2'), []);
});

test('the test workers run with the same pool size as a CLI run (vitest.config.ts), unless NODE_OPTIONS chose one', () => {
  const poolOptions = process.execArgv.filter((arg) => arg.startsWith('--v8-pool-size'));
  assert.deepEqual(poolOptions, childPoolSizeArgs());
});
