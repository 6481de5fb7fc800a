/**
 * Cold start of each Lambda handler: bundle size (minified, as deployed) and the time to import
 * the bundle in a fresh Node process, as a ratio to importing an empty module in the same run
 * (goal <= 15x). The bundles are built with the esbuild settings of serverless.yml
 * (custom.esbuild), the AWS SDK left external as in Lambda, where the runtime provides it.
 *
 *   node --import tsx bench/cold-start.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const HANDLERS = ['ingest', 'plan-inspection', 'inspect', 'record-failure', 'review', 'emit', 'finish-run'];
const RUNS = Number(process.env.COLD_START_RUNS ?? 5);
const plugins = createRequire(import.meta.url)('../scripts/esbuild-plugins.cjs') as Plugin[];

// Inside the project, so the external @aws-sdk packages resolve from node_modules as in Lambda.
const dir = mkdtempSync(join(process.cwd(), '.bench-cold-start-'));
try {
  for (const handler of HANDLERS) {
    await build({
      entryPoints: [`functions/${handler}.ts`],
      outfile: join(dir, `${handler}.mjs`),
      bundle: true,
      minify: true,
      sourcemap: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as __awCreateRequire } from 'node:module'; const require = __awCreateRequire(import.meta.url);" },
      plugins,
      logLevel: 'error',
    });
  }
  writeFileSync(join(dir, 'empty.mjs'), 'export const handler = () => {};\n');
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, "const t = performance.now(); await import(process.argv[2]); process.stdout.write(String(performance.now() - t));\n");
  // The median of fresh processes: each import is a real cold start of that module graph.
  const importMs = (file: string) => {
    const times = Array.from({ length: RUNS }, () =>
      Number(execFileSync(process.execPath, [probe, join(dir, file)], { env: { ...process.env, AWS_REGION: 'us-east-1', ALERTWARDEN_TABLE: 't', ALERTWARDEN_BUCKET: 'b' } })),
    ).sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  };
  const empty = importMs('empty.mjs');
  console.log(`cold start (median of ${RUNS} fresh processes; empty module ${empty.toFixed(1)} ms, the baseline)`);
  console.log('handler          bundle KiB  import ms  ratio to empty (goal <= 15x)');
  for (const handler of HANDLERS) {
    const kib = statSync(join(dir, `${handler}.mjs`)).size / 1024;
    const ms = importMs(`${handler}.mjs`);
    console.log(`${handler.padEnd(16)} ${kib.toFixed(0).padStart(10)}  ${ms.toFixed(0).padStart(9)}  ${(ms / empty).toFixed(1).padStart(6)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
