'use strict';
/**
 * aws-local-stepfunctions as the local engine loads it: its CommonJS build, with jsonpath-plus
 * answering the engine's path queries without throwing.
 *
 * The engine evaluates every JSONPath (each Choice variable, each `.$` parameter) as
 * `JSONPath({ path, json, wrap: false })`, a call without `new`. jsonpath-plus then constructs
 * itself, and a constructor cannot return a scalar: for every string, number, boolean or
 * missing value it throws an Error (`NewError`, with a captured stack) from the constructor
 * and catches it to return the value. That was 19 throws per report (~8 µs each, more with a
 * deep stack), ~1% of the main thread. jsonpath-plus's own non-throwing way is an instance
 * made with `autostart: false` and then `evaluate`: the wrapper below does exactly that for
 * the engine's call shape and hands any other call to the original unchanged.
 *
 * The CommonJS build reads `JSONPath` from jsonpath-plus's exports object at each call, so the
 * wrapper is installed by setting that property (nothing under node_modules is edited); the
 * ES module build binds the function at import, which nothing outside can change. The same
 * ASL runs on AWS, untouched.
 *
 * Its copy of every state's input is the pairless one of local/stepfunctions-clone.cjs: the
 * build's source is read, that function swapped, and the module compiled into require's cache
 * before anything requires the package (the CLI's bundle has it swapped at bundling instead).
 */
const jsonpath = require('jsonpath-plus');

const INSTALLED = Symbol.for('alertwarden.jsonpath-without-throw');
let queries = 0;

const original = jsonpath.JSONPath;
if (!original[INSTALLED]) {
  /** Same answers as `original`; for `fn({ path, json, ... })` (the engine's shape) without a throw. */
  const JSONPath = function JSONPath(opts, ...rest) {
    if (new.target !== undefined) return Reflect.construct(original, [opts, ...rest], new.target);
    if (rest.length > 0 || opts === null || typeof opts !== 'object' || opts.autostart === false) return original.call(this, opts, ...rest);
    queries++;
    // What the constructor would evaluate with autostart on (see jsonpath-plus's JSONPath()).
    const args = { path: opts.path };
    if ('json' in opts) args.json = opts.json;
    return new original({ ...opts, autostart: false }).evaluate(args);
  };
  // Static members (toPathArray, cache...) and `instanceof` as before.
  Object.setPrototypeOf(JSONPath, original);
  JSONPath.prototype = original.prototype;
  JSONPath[INSTALLED] = true;
  jsonpath.JSONPath = JSONPath;
}

const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const { withPairlessClone } = require('./stepfunctions-clone.cjs');

// Set to true by the CLI's bundler (local/prebuilt.mjs), which swaps the function while bundling
// the engine: nothing is read or compiled here then.
const CLONE_REPLACED_IN_BUNDLE = false;

let cloneReplaced = CLONE_REPLACED_IN_BUNDLE;
if (!CLONE_REPLACED_IN_BUNDLE) {
  const enginePath = require.resolve('aws-local-stepfunctions');
  if (!require.cache[enginePath]) {
    const replaced = withPairlessClone(readFileSync(enginePath, 'utf8'));
    if (replaced !== undefined) {
      const engine = new Module(enginePath, module);
      engine.filename = enginePath;
      engine.paths = Module._nodeModulePaths(dirname(enginePath));
      engine._compile(replaced, enginePath);
      engine.loaded = true;
      require.cache[enginePath] = engine;
      cloneReplaced = true;
    }
  }
}

const { StateMachine } = require('aws-local-stepfunctions');

module.exports = {
  StateMachine,
  /** Path queries answered by the wrapper in this process (a test proves the engine's go through it). */
  jsonPathQueries: () => queries,
  /** Whether the engine's state-input copy is the pairless one (false: the build's text changed). */
  cloneReplaced: () => cloneReplaced,
};
