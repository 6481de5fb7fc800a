/** The `alertwarden` command as a user runs it: files, folders, standard input, --json. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import type { Report } from '../../core/report.ts';

const run = (args: string[], stdin?: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['local/bin.mjs', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });

test('run --json on the sample alerts prints one final report per line and nothing else on stdout', async () => {
  const out = await mkdtemp(join(tmpdir(), 'alertwarden-cli-'));
  try {
    const { code, stdout, stderr } = await run(['run', '--json', '--delay', '0', '--out', out, 'examples/alerts']);
    assert.equal(code, 0, stderr);
    const reports = stdout.trim().split('\n').map((line) => JSON.parse(line) as Report);
    assert.equal(reports.length, 4);
    assert.ok(reports.every((r) => r.phase === 'final' && r.verdict));
    const tor = reports.find((r) => r.rule_id === 'UnauthorizedAccess:EC2/TorIPCaller')!;
    assert.equal(tor.alerts.length, 2);
    assert.equal(reports.find((r) => r.rule_id === 'root-console-login')?.verdict?.severity, 'critical');
    assert.equal((await readdir(join(out, 'reports'))).length, 4);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('run - reads JSONL from standard input; invalid lines are reported with their reason and the exit code stays 0', async () => {
  const out = await mkdtemp(join(tmpdir(), 'alertwarden-cli-'));
  try {
    const input = [
      JSON.stringify({ detector: 'stdin', rule_id: 'r1', attributes: [{ type: 'domain', key: 'q', value: 'login.evil.example' }] }),
      '{"detector":"stdin"}',
    ].join('\n');
    const { code, stdout, stderr } = await run(['run', '--delay', '0', '--out', out, '-'], input);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Report [0-9a-f]{32}-\w+: version \d+ \(final\)/);
    assert.match(stdout, /login\.evil\.example listed in known-bad/);
    assert.match(stdout, /1 alert\(s\) rejected at ingest:\n {2}- invalid alert: rule_id: /);
    assert.match(stderr, /2 alert message\(s\) from -/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('usage errors name the problem and exit 2', async () => {
  const missing = await run(['run', 'no/such/file.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file or folder: no\/such\/file\.json/);
  const badDelay = await run(['run', '--delay', 'soon', 'examples/alerts']);
  assert.equal(badDelay.code, 2);
  assert.match(badDelay.stderr, /--delay takes a whole number of seconds/);
});
