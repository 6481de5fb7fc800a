'use strict';
/**
 * aws-local-stepfunctions copies every state's input before running the state (`cloneJSON`),
 * with `Object.entries` and `Object.fromEntries`: an array of pairs for every object of the
 * input. That made it the local engine's largest single allocator (~11% of the main thread's
 * bytes in the pipeline bench) and ~4.5% of its CPU. `withPairlessClone` swaps that one
 * function, by its exact text, for a copy with the same result (own enumerable keys in order,
 * `__proto__` kept as an own key, undefined values kept) and no pairs. Used where the engine is
 * loaded (local/stepfunctions-engine.cjs) and where the CLI bundles it (local/prebuilt.mjs);
 * a build whose text differs is left as it is, and a test fails so an upgrade is looked at.
 */
const ENGINE_CLONE = `function cloneJSON(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneJSON);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJSON(v)]));
}`;

const PAIRLESS_CLONE = `function cloneJSON(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = cloneJSON(value[i]);
    return copy;
  }
  const copy = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === "__proto__") Object.defineProperty(copy, key, { value: cloneJSON(value[key]), enumerable: true, writable: true, configurable: true });
    else copy[key] = cloneJSON(value[key]);
  }
  return copy;
}`;

/** The engine's source with the pairless copy, or undefined when the function is not there as expected. */
const withPairlessClone = (source) => (source.split(ENGINE_CLONE).length === 2 ? source.replace(ENGINE_CLONE, PAIRLESS_CLONE) : undefined);

module.exports = { withPairlessClone, ENGINE_CLONE, PAIRLESS_CLONE };
