/**
 * `node` arguments that run a TypeScript file in a child process: its esbuild output, cached
 * while no source changes (local/prebuilt.mjs, as the CLI does), else through tsx. A child that
 * loads the local pipeline through tsx spends ~1 s more CPU starting (tsx's loader thread).
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuilt } from '../../local/prebuilt.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const nodeArgsFor = async (script: string): Promise<string[]> => {
  const entry = relative(ROOT, script);
  const build = await prebuilt({ root: ROOT, cacheDir: join(ROOT, 'node_modules', '.cache', 'alertwarden', 'scripts', entry.replaceAll('/', '__')), entries: [entry] });
  return build ? [build.outputs[entry]!] : ['--import', 'tsx', script];
};
