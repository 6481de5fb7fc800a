/**
 * Cold start of each Lambda handler, measured on the deployed artifact: `sls package` (offline)
 * writes the zips, each is unpacked OUTSIDE the project (so nothing resolves from its
 * node_modules: a zip that needed a package it lacks fails here) and imported in fresh Node
 * processes. Printed per function, as a median of COLD_START_RUNS processes:
 *
 *   - Init: `import()` of the handler file, what Lambda's Init phase runs, wall and CPU time,
 *     each as a ratio to importing an empty module in the same run (goal <= 15x);
 *   - first store call: then loading the chunk with the DynamoDB store and the bundled SDK
 *     (import() on the first call), the cost moved out of Init;
 *   - sizes: what loads at Init, and the zip.
 *
 * Baselines in the same run: an empty module, and the DynamoDB client + lib-dynamodb imported
 * from node_modules as separate packages, the way the Lambda runtime's own SDK copy loads
 * (what bundling the SDK is compared against).
 *
 *   npm run bench bench/cold-start.bench.ts          (COLD_START_RUNS=5 by default)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesOf, FUNCTIONS, moduleGraph, readZip } from '../test/deploy/bundles.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.COLD_START_RUNS ?? 5);
const STORE_CHUNK = /\/(dynamodb-store|first-seen-store)-[A-Z0-9]+\.mjs$/;


// Prints "initWall initCpu thenWall thenCpu" in ms: the first module, then the second (if any) after it.
const PROBE = `
const time = async (spec) => { const c = process.cpuUsage(); const t = performance.now(); await import(spec); const u = process.cpuUsage(c); return [performance.now() - t, (u.user + u.system) / 1000]; };
const first = await time(process.argv[2]);
const then = process.argv[3] ? await time(process.argv[3]) : [0, 0];
process.stdout.write([...first, ...then].join(' '));
`;

const work = mkdtempSync(join(tmpdir(), 'alertwarden-cold-start-'));
// The runtime-style baseline must resolve @aws-sdk from the project: its probe lives inside it.
const inProject = mkdtempSync(join(ROOT, '.bench-cold-start-'));
try {
  const probe = join(work, 'probe.mjs');
  writeFileSync(probe, PROBE);
  writeFileSync(join(work, 'empty.mjs'), 'export const handler = () => {};\n');
  writeFileSync(join(inProject, 'probe.mjs'), PROBE);
  writeFileSync(join(inProject, 'sdk-from-node-modules.mjs'), "import '@aws-sdk/client-dynamodb'; import '@aws-sdk/lib-dynamodb';\n");

  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const k of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(k)) delete env[k];
  const packageDir = join(work, 'package');
  const packaged = Date.now();
  const pkg = spawnSync('npx', ['sls', 'package', '--stage', 'bench', '--package', packageDir], { cwd: ROOT, env, encoding: 'utf8' });
  if (pkg.status !== 0) throw new Error(`sls package failed:\n${pkg.stdout}\n${pkg.stderr}`);
  console.log(`packaged with sls package in ${((Date.now() - packaged) / 1000).toFixed(1)} s; measuring the zips (SDK bundled, loaded on first use)`);

  const measure = (probeFile: string, first: string, then?: string) => {
    const runs = Array.from({ length: RUNS }, () =>
      execFileSync(process.execPath, [probeFile, first, ...(then ? [then] : [])], { env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } })
        .toString()
        .split(' ')
        .map(Number),
    );
    const median = (i: number) => runs.map((r) => r[i]!).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
    return { wall: median(0), cpu: median(1), thenWall: median(2), thenCpu: median(3) };
  };

  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average before: ${load()} (2 cores here; figures are medians of ${RUNS} fresh processes)`);
  const empty = measure(probe, join(work, 'empty.mjs'));
  const runtimeSdk = measure(join(inProject, 'probe.mjs'), join(inProject, 'sdk-from-node-modules.mjs'));
  console.log(`empty module: ${empty.wall.toFixed(1)} ms wall, ${empty.cpu.toFixed(1)} ms CPU (the baseline)`);
  console.log(`DynamoDB client + lib-dynamodb from node_modules (as the Lambda runtime ships them): ${runtimeSdk.wall.toFixed(0)} ms wall, ${runtimeSdk.cpu.toFixed(0)} ms CPU`);
  console.log('function          Init KiB  zip KiB  Init wall ms (x empty)  Init CPU ms (x empty)  + first store call: wall ms  CPU ms');
  let worst = 0;
  for (const [key, file] of Object.entries(FUNCTIONS)) {
    const zipPath = join(packageDir, `${key}.zip`);
    const zip = await readZip(zipPath);
    const dir = join(work, key);
    for (const [name, bytes] of zip) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const entry = `functions/${file}.mjs`;
    const graph = moduleGraph(zip, entry);
    const storeChunk = [...graph.reachable].find((f) => STORE_CHUNK.test(f));
    const m = measure(probe, join(dir, entry), storeChunk ? join(dir, storeChunk) : undefined);
    worst = Math.max(worst, m.wall / empty.wall);
    console.log(
      `${key.padEnd(17)} ${(bytesOf(zip, graph.atInit) / 1024).toFixed(0).padStart(8)} ${(statSync(zipPath).size / 1024).toFixed(0).padStart(8)}` +
        `  ${m.wall.toFixed(0).padStart(8)} (${(m.wall / empty.wall).toFixed(1).padStart(5)}x)    ${m.cpu.toFixed(0).padStart(8)} (${(m.cpu / empty.cpu).toFixed(1).padStart(5)}x)` +
        `  ${storeChunk ? `${m.thenWall.toFixed(0).padStart(20)}  ${m.thenCpu.toFixed(0).padStart(6)}` : '(no store chunk)'.padStart(28)}`,
    );
  }
  console.log(`worst Init wall ratio: ${worst.toFixed(1)}x an empty module (goal <= 15x); load average after: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(inProject, { recursive: true, force: true });
}
