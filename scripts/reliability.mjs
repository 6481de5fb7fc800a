#!/usr/bin/env node
// npm run test:reliability — the reliability and security suite under vitest, then a summary
// table whose every figure comes from this run: cases tried and passed per area (vitest's JSON
// report) and alerts sent and lost (the figures the tests measured from what the emitters
// received, carried in each test's `meta.alertMetrics`, see test/support/metrics.ts).
// The storm and the contention case run at full size here (STORM_ALERTS 10,000, ROUND_CONTENTION_REPORTS 1,000, unless set).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';

const AREAS = [
  // The corpus test also runs every plugin's own *.hostile.ts cases.
  ['test/corpus', 'hostile input corpus (rejected or neutralised)'],
  ['test/e2e/ingest-faults.test.ts', 'ingest faults: failed start, DynamoDB down'],
  [['test/e2e/round-faults.test.ts', 'test/e2e/round-contention.test.ts'], 'round faults: timeout, long outage, contention'],
  ['test/e2e/inspector-failures.test.ts', 'inspector throws / hangs / returns garbage'],
  ['test/e2e/emitter-failures.test.ts', 'emitter fails once / fails for good'],
  ['test/e2e/reviewer-failures.test.ts', 'reviewer throws / policy unreadable'],
  ['test/e2e/pipeline.test.ts', 'duplicates (3x redelivery, republish), core flow'],
  ['test/e2e/crash-restart.test.ts', 'SIGKILL mid-run, restart on the same state'],
  ['test/security', 'secrets never in logs, reports or storage'],
  [['adapters/ssm-secrets.test.ts', 'adapters/local-secrets.test.ts'], 'secret readers: SSM (exact calls, cache), local file'],
  ['scripts/audit.test.ts', 'npm audit gate and allowlist'],
  ['test/reliability', `storm: ${process.env.STORM_ALERTS ?? '10,000'} alerts over ${process.env.STORM_KEYS ?? 100} keys`],
];

const pathsOf = (paths) => [paths].flat().filter((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'alertwarden-reliability-'));
const jsonFile = join(dir, 'vitest.json');
const started = performance.now();
const result = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs', 'run', '--config', 'scripts/reliability.vitest.config.ts',
    '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`,
    ...AREAS.flatMap(([paths]) => pathsOf(paths)),
  ],
  {
    stdio: 'inherit',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', STORM_ALERTS: '10000', ROUND_CONTENTION_REPORTS: '1000', ...process.env },
  },
);
const minutes = (performance.now() - started) / 60_000;
const report = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : { testResults: [] };
rmSync(dir, { recursive: true, force: true });

const rows = AREAS.map(([paths, label]) => {
  const files = report.testResults.filter((file) => pathsOf(paths).some((p) => relative(process.cwd(), file.name).startsWith(p)));
  const tests = files.flatMap((file) => file.assertionResults);
  const metrics = tests.map((test) => test.meta?.alertMetrics).filter(Boolean);
  const sent = metrics.reduce((n, m) => n + m.sent, 0);
  const delivered = metrics.reduce((n, m) => n + m.inReports, 0);
  return {
    label,
    // A file that failed to load has no tests, but it was tried and it failed.
    tried: tests.length + files.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length,
    passed: tests.filter((test) => test.status === 'passed').length,
    sent: metrics.length ? sent : undefined,
    lost: metrics.length ? sent - delivered : undefined,
    notes: metrics.map((m) => m.notes).filter(Boolean).join('; '),
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
console.log('alerts lost = alerts absent from the last emitted version of their report (read from the emitter output)');
console.log(line(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const cells of table.slice(1, -1)) console.log(line(cells));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
console.log(line(table.at(-1)));
for (const r of rows.filter((r) => r.notes)) console.log(`  ${r.label}: ${r.notes}`);
console.log(`  ran in ${minutes.toFixed(1)} min`);

const status = result.status ?? 1;
process.exit(status !== 0 ? status : total.lost > 0 || total.passed < total.tried || total.tried === 0 ? 1 : 0);
