/**
 * `node` arguments that run a TypeScript file in a child process: its esbuild output, cached
 * while no source changes (local/prebuilt.mjs, as the CLI does), else through tsx. A child that
 * loads the local pipeline through tsx spends ~1 s more CPU starting (tsx's loader thread).
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuilt } from '../../local/prebuilt.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Calls for a script while its build is under way share that build: two children started at once
 * after a source change (test/security/secret-leak.test.ts) each built the same bundle (~0.35 s
 * CPU each). A later call checks freshness again.
 */
const pending = new Map<string, Promise<string[]>>();

export const nodeArgsFor = (script: string): Promise<string[]> => {
  let args = pending.get(script);
  if (!args) {
    args = argsFor(script).finally(() => pending.delete(script));
    pending.set(script, args);
  }
  return args;
};

const argsFor = async (script: string): Promise<string[]> => {
  const entry = relative(ROOT, script);
  const build = await prebuilt({ root: ROOT, cacheDir: join(ROOT, 'node_modules', '.cache', 'alertwarden', 'scripts', entry.replaceAll('/', '__')), entries: [entry] });
  return build ? [build.outputs[entry]!] : ['--import', 'tsx', script];
};
