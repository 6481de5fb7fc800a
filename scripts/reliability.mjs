#!/usr/bin/env node
// npm run test:reliability — the reliability and security suite, then a summary table whose
// every figure comes from this run: cases tried and passed per area (from the test runner's
// events) and alerts sent and lost (from the figures the tests themselves measured).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const AREAS = [
  // The corpus test also runs every plugin's own *.hostile.ts cases.
  ['test/corpus', 'hostile input corpus (rejected or neutralised)'],
  ['test/e2e/ingest-faults.test.ts', 'ingest faults: failed start, DynamoDB down'],
  ['test/e2e/inspector-failures.test.ts', 'inspector throws / hangs / returns garbage'],
  ['test/e2e/emitter-failures.test.ts', 'emitter fails once / fails for good'],
  ['test/e2e/reviewer-failures.test.ts', 'reviewer throws / policy unreadable'],
  ['test/e2e/pipeline.test.ts', 'duplicates (3x redelivery, republish), core flow'],
  ['test/e2e/crash-restart.test.ts', 'SIGKILL mid-run, restart on the same state'],
  ['test/security', 'secrets never in logs, reports or storage'],
  [['adapters/ssm-secrets.test.ts', 'adapters/local-secrets.test.ts'], 'secret readers: SSM (exact calls, cache), local file'],
  ['scripts/audit.test.ts', 'npm audit gate and allowlist'],
  ['test/reliability', 'storm: 10,000 alerts over 100 keys'],
];

const collect = (path) =>
  statSync(path).isFile()
    ? [path]
    : readdirSync(path, { recursive: true })
        .map((f) => join(path, String(f)))
        .filter((f) => f.endsWith('.test.ts'))
        .sort();

const pathsOf = (paths) => [paths].flat();
const files = AREAS.flatMap(([paths]) => pathsOf(paths).flatMap(collect));
const dir = mkdtempSync(join(tmpdir(), 'alertwarden-reliability-'));
const summaryFile = join(dir, 'summary.json');
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./reliability-reporter.mjs', import.meta.url).pathname}`, `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env } },
);
const byFile = JSON.parse(readFileSync(summaryFile, 'utf8'));
rmSync(dir, { recursive: true, force: true });

const rows = AREAS.map(([paths, label]) => {
  const mine = Object.entries(byFile).filter(([file]) => pathsOf(paths).some((p) => relative(process.cwd(), file).startsWith(p)));
  const sum = (key) => mine.reduce((n, [, r]) => n + r[key], 0);
  const measured = sum('metrics') > 0;
  return {
    label,
    tried: sum('tried'),
    passed: sum('passed'),
    sent: measured ? sum('sent') : undefined,
    lost: measured ? sum('sent') - sum('inReports') : undefined,
    notes: mine.flatMap(([, r]) => r.notes).filter((n) => /alerts\/s|killed/.test(n)).join('; '),
  };
});
const total = rows.reduce(
  (t, r) => ({ tried: t.tried + r.tried, passed: t.passed + r.passed, sent: t.sent + (r.sent ?? 0), lost: t.lost + (r.lost ?? 0) }),
  { tried: 0, passed: 0, sent: 0, lost: 0 },
);

const table = [
  ['area', 'cases tried', 'passed', 'alerts sent', 'alerts lost'],
  ...rows.map((r) => [r.label, r.tried, r.passed, r.sent ?? '-', r.lost ?? '-']),
  ['total', total.tried, total.passed, total.sent, total.lost],
].map((cells) => cells.map(String));
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('\nAlertWarden reliability summary');
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const cells of table.slice(1, -1)) console.log(line(cells));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
console.log(line(table.at(-1)));
for (const r of rows.filter((r) => r.notes)) console.log(`  ${r.label}: ${r.notes}`);

const status = result.status ?? 1;
process.exit(status !== 0 ? status : total.lost > 0 || total.passed < total.tried ? 1 : 0);
