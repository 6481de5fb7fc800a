#!/usr/bin/env node
// Runs every *.test.ts with node's own test runner (Node 20 has no glob support in --test).
// Usage: node scripts/test.mjs [folder-or-file ...]   (default: the whole project)
// Folders in OPT_IN take minutes; they run only when named (npm run test:reliability).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'out']);
const OPT_IN = new Set([join('test', 'reliability')]);
const collect = (path, into) => {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) into.push(path);
    return into;
  }
  for (const entry of readdirSync(path).sort()) {
    if (!SKIP.has(entry) && !OPT_IN.has(join(path, entry))) collect(join(path, entry), into);
  }
  return into;
};

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['.']).flatMap((root) => collect(root, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env } },
);
process.exit(result.status ?? 1);
