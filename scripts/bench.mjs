#!/usr/bin/env node
// npm run bench: every bench/*.bench.ts in turn (each prints its own figures and the baseline
// they are measured against in the same run). Name files to run only those.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { childPoolSizeArgs } from '../local/v8-helper-threads.mjs';

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort().map((f) => `bench/${f}`);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  // --expose-gc: heap figures are taken after a full collection. V8's helper threads as
  // `alertwarden` sets them (local/v8-helper-threads.mjs), unless NODE_OPTIONS names them.
  const result = spawnSync(process.execPath, [...childPoolSizeArgs(), '--expose-gc', '--import', 'tsx', file], {
    stdio: 'inherit',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
  });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
