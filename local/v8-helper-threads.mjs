// Plain JavaScript: local/bin.mjs and scripts/bench.mjs use it before anything can load TypeScript.
/**
 * How many helper threads V8 gets for its background work (optimising compiles, concurrent and
 * parallel garbage collection) in a local run. Node gives it 4 whatever the machine. The local
 * engine runs on one thread (handlers, dynalite, s3rver, the state machine), so that thread is
 * the bound; on 2 cores, 4 helpers take the cores from it while the JIT compiles the first
 * thousand alerts, and a parallel collection waits for helpers that are not running. One core
 * is left to the engine's thread; at most Node's own 4.
 *
 * Measured with a fresh process per run, 1,000 alerts over 100 keys, first pass, 5 interleaved
 * triples on this 2-core machine at load 0.0-1.9: end to end 51.2 / 52.8 / 54.5 / 51.7 / 52.9
 * reports/s with 1 helper against 36.2 / 42.2 / 36.3 / 43.0 / 42.3 with Node's 4; ingest
 * 1,119-1,266 against 812-978 alerts/s; CPU per report 33.0-34.9 against 36.6-43.9 ms. Lowering
 * the helpers' priority instead (nice 10) fell in between (45.7-51.5 reports/s).
 *
 * The pool size is fixed when the process starts (`--v8-pool-size`), so the CLI starts its work
 * in a child process that has it (local/bin.mjs).
 */
import { availableParallelism } from 'node:os';

export const POOL_SIZE_FLAG = '--v8-pool-size';

/** V8 helper threads for a machine with `cores` cores: all but one, between 1 and 4. */
export const helperThreads = (cores = availableParallelism()) => Math.min(4, Math.max(1, cores - 1));

/** The pool size this process was given, on its command line or in NODE_OPTIONS; undefined: Node's default. */
export const chosenPoolSize = (execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') => {
  const args = [...execArgv, ...nodeOptions.split(/\s+/)];
  for (const [i, arg] of args.entries()) {
    if (arg === POOL_SIZE_FLAG) return args[i + 1] ?? '';
    if (arg.startsWith(`${POOL_SIZE_FLAG}=`)) return arg.slice(POOL_SIZE_FLAG.length + 1);
  }
  return undefined;
};

/** Whether this process's pool size was set already (a user's choice wins). */
export const poolSizeChosen = (execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') =>
  chosenPoolSize(execArgv, nodeOptions) !== undefined;

/** The Node option that sets it. */
export const poolSizeOption = (cores = availableParallelism()) => `${POOL_SIZE_FLAG}=${helperThreads(cores)}`;

/** What a child process is started with to get it: nothing when NODE_OPTIONS, which it inherits, chose one. */
export const childPoolSizeArgs = (nodeOptions = process.env.NODE_OPTIONS ?? '') => (poolSizeChosen([], nodeOptions) ? [] : [poolSizeOption()]);
