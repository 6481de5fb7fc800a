/**
 * Test projects: `unit` (pure code and plugins, files run in parallel in shared workers;
 * `unit-isolated` for the few that vi.mock a module), `e2e` (local pipeline on
 * loopback servers; each file starts its own servers on port 0, so files can run in parallel
 * too), `deploy` (packages the CloudFormation with osls: slow, one file). `npm test` runs them
 * all; `npm run test:reliability` adds the full-size storm (STORM_ALERTS=10000).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import WaitingSpreadSequencer from './test/support/sequencer.ts';
import { childPoolSizeArgs } from './local/v8-helper-threads.mjs';

// Node >= 22.1 keeps V8's compiled code of the modules it loads natively (the SDK, dynalite,
// s3rver, osls, the CLI children...) under this folder; every worker and child process inherits
// the variable. Older Node ignores it.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL('./node_modules/.cache/alertwarden/v8', import.meta.url));
// esbuild is a Go program; the deploy test's `sls package` (thirteen bundles) and the CLI build
// run it under this process. Go's default GC (GOGC=100) took ~18% of its CPU there. With no
// collection until the heap nears a 2 GiB limit, the thirteen bundles (2 at a time: serverless.yml)
// cost 14.1 / 19.1 / 18.0 s of esbuild CPU against 15.2 / 20.6 / 20.8 s at GOGC=200 (interleaved,
// load 3-4), with esbuild's resident size at most ~2.0 GB instead of ~1.5 GB (~0.8 GB at 100).
if (process.env.GOGC === undefined && process.env.GOMEMLIMIT === undefined) {
  process.env.GOGC = 'off';
  process.env.GOMEMLIMIT = '2GiB';
}

const E2E = ['test/e2e/**/*.test.ts', 'test/corpus/**/*.test.ts', 'test/security/**/*.test.ts', 'test/reliability/**/*.test.ts', 'tester/**/*.test.ts'];
const DEPLOY = ['test/deploy/**/*.test.ts'];
// Unit files that replace a module with vi.mock: a shared module cache would hand them (or the
// files after them) the wrong copy, so they run isolated. So do the tests of dynalite's savings
// (local/dynalite-*.mjs): each compares dynalite's own modules with and without one installed,
// and any file that starts the local servers installs them all on the process's copy of dynalite;
// and the test that loads dynalite before the servers on purpose (local/storage-servers.test.ts).
const ISOLATED = ['emitters/file/concurrency.test.ts', 'emitters/quarantine/lazy-load.test.ts', 'local/dynalite-*.test.ts', 'local/storage-servers.test.ts'];

export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // A shared 2-core machine: no test may rely on an idle CPU, so budgets are generous. Three
    // files at once on 2 cores: some of every file's time is waiting (loopback servers, child
    // processes, real waits), and beside other load a third runnable worker takes its share of
    // the cores. Same tree, Node 22, back to back under other engineers' load (7-13):
    // 3 workers 137 s wall, 127 s CPU; 2 workers 228 s wall, 136 s CPU.
    maxWorkers: 3,
    // Each worker's V8 gets one core fewer than the machine for its helper threads, as a CLI run
    // does (local/v8-helper-threads.mjs), unless NODE_OPTIONS chose a pool size. Node's 4 helpers
    // per worker, three workers on 2 cores, took cores from the tests' own threads. `vitest run`
    // with two busy loops beside it, 4 interleaved pairs (load 5-6): 103.6 / 107.3 / 107.2 /
    // 111.0 s wall and 110-119 s CPU, against 107.8 / 118.4 / 112.7 / 115.6 s and 115-128 s.
    execArgv: childPoolSizeArgs(),
    // Files that mostly wait in real time start early, each beside CPU-bound ones (test/support/sequencer.ts).
    sequence: { sequencer: WaitingSpreadSequencer },
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Transformed test and source files kept on disk between runs (keyed by content and config):
    // unit project 31.1 -> 24.0 s CPU on a second run, load ~13.
    experimental: { fsModuleCache: true },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['core/**', 'adapters/**', 'functions/**', 'inspectors/**', 'reviewer/**', 'emitters/**', 'sources/**', 'detectors/**', 'local/**'],
      exclude: ['**/*.test.ts', '**/*.hostile.ts'],
      reporter: ['text-summary'],
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Unit files share their workers' module cache: importing zod, the SDK and the plugins
          // once per worker instead of once per file halves this project's time (75 -> 40 s
          // under load 11). A file that mocks an SDK client class restores it in afterAll, so no
          // mock leaks into the next file.
          isolate: false,
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', '.serverless/**', '.esbuild/**', 'out/**', ...E2E, ...DEPLOY, ...ISOLATED],
        },
      },
      {
        extends: true,
        test: { name: 'unit-isolated', include: ISOLATED },
      },
      {
        extends: true,
        // The local pipeline shares 2 cores with whatever else runs: a storm or a crash-restart can
        // take minutes under load, so only a real hang hits this bound. Files share their workers'
        // module cache too (each still starts its own servers): the runtime, the SDK and the
        // engine's validated definitions load once per worker (import 113 -> 19 s under load 12).
        test: { name: 'e2e', include: E2E, exclude: ['node_modules/**'], testTimeout: 600_000, hookTimeout: 300_000, isolate: false, globalSetup: ['./test/support/global-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'deploy', include: DEPLOY, testTimeout: 300_000 },
      },
    ],
  },
});
