/** The `alertwarden` command as a user runs it: files, folders, standard input, --json. */
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import type { Report } from '../../core/report.ts';
import { runCli } from '../support/cli.ts';

const run = (args: string[], stdin?: string, options: { cwd?: string; env?: Record<string, string> } = {}) => runCli(args, stdin, options);

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
    assert.match(stdout, /1 alert\(s\) rejected at ingest:\n {2}- -:2: invalid alert: rule_id: rule_id is required\n {4}input: \{"detector":"stdin"\}\n/);
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

test('--version and --help answer without starting anything; no command is a usage error on stderr', async () => {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  const version = await run(['--version']);
  assert.deepEqual([version.code, version.stdout], [0, `alertwarden ${pkg.version}\n`]);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: alertwarden run/);
  assert.match(help.stdout, /\.ndjson/);
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^usage:/);
});

test('from any folder: the sample blocklist resolves from the package; a folder takes .json, .jsonl and .ndjson and names what it skips', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-cwd-'));
  try {
    await mkdir(join(dir, 'alerts'));
    const alert = (key: string) => JSON.stringify({ detector: 'cwd', rule_id: 'r', alert_key: key, attributes: [{ type: 'ipaddr', key: 'ip', value: '203.0.113.9' }] });
    await writeFile(join(dir, 'alerts', 'a.ndjson'), `${alert('nd')}\n`);
    await writeFile(join(dir, 'alerts', 'b.jsonl'), `${alert('jl')}\n`);
    await writeFile(join(dir, 'alerts', 'notes.txt'), 'not alerts');
    const { code, stdout, stderr } = await run(['run', '--json', '--delay', '0', 'alerts'], undefined, { cwd: dir });
    assert.equal(code, 0, stderr);
    const reports = stdout.trim().split('\n').map((line) => JSON.parse(line) as Report);
    assert.deepEqual(reports.map((r) => r.alert_key).sort(), ['jl', 'nd']);
    // Listed in the sample list shipped with AlertWarden, found although the cwd is elsewhere.
    assert.ok(reports.every((r) => r.verdict?.severity === 'high'), JSON.stringify(reports.map((r) => r.verdict)));
    assert.match(stderr, /skipped alerts\/notes\.txt: not a \.json, \.jsonl or \.ndjson file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('configuration is checked before any work: a missing blocklist, a missing policy (from the environment) or an unwritable --out stop the run with the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-config-'));
  try {
    const blocklist = await run(['run', '--out', join(dir, 'o1'), '--blocklists', 'known-bad=lists/typo.txt', 'examples/alerts']);
    assert.equal(blocklist.code, 1, blocklist.stderr);
    assert.match(blocklist.stderr, /lists\/typo\.txt/);
    assert.doesNotMatch(blocklist.stderr, /alert message\(s\) from/);

    const policy = await run(['run', '--out', join(dir, 'o2'), 'examples/alerts'], undefined, { env: { ALERTWARDEN_REVIEW_POLICY: join(dir, 'no-policy.json') } });
    assert.equal(policy.code, 1, policy.stderr);
    assert.match(policy.stderr, /no-policy\.json/);

    await mkdir(join(dir, 'readonly'));
    await chmod(join(dir, 'readonly'), 0o500);
    const out = await run(['run', '--out', join(dir, 'readonly', 'out'), 'examples/alerts']);
    // root ignores permission bits: then the folder is writable and the run goes on.
    if (process.getuid?.() !== 0) {
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /cannot write to --out .*readonly/);
    }
    await writeFile(join(dir, 'file-not-dir'), '');
    const notDir = await run(['run', '--out', join(dir, 'file-not-dir'), 'examples/alerts']);
    assert.equal(notDir.code, 2, notDir.stderr);
    assert.match(notDir.stderr, /cannot write to --out .*file-not-dir: EEXIST/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ALERTWARDEN_* from the environment are honoured, and a flag wins over them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-env-'));
  try {
    const policy = join(dir, 'policy.json');
    await copyFile('reviewer/policy.json', policy);
    const custom = JSON.parse(await readFile(policy, 'utf8')) as { rules: { severity?: string }[]; default?: unknown };
    await writeFile(policy, JSON.stringify({ ...custom, default: { severity: 'low', reason: 'custom policy default' } }));
    const input = JSON.stringify({ detector: 'env', rule_id: 'nothing-matches', attributes: [] });
    const viaEnv = await run(['run', '--json', '--delay', '0', '--out', join(dir, 'o'), '-'], input, {
      env: { ALERTWARDEN_REVIEW_POLICY: policy, ALERTWARDEN_EMITTERS: 'nope' },
    });
    // The environment named an unknown emitter: the run stops on it.
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stderr, /unknown emitter "nope"/);
    const flagWins = await run(['run', '--json', '--delay', '0', '--emitters', 'file', '--out', join(dir, 'o'), '-'], input, {
      env: { ALERTWARDEN_REVIEW_POLICY: policy, ALERTWARDEN_EMITTERS: 'nope' },
    });
    assert.equal(flagWins.code, 0, flagWins.stderr);
    const report = JSON.parse(flagWins.stdout.trim()) as Report;
    assert.deepEqual(report.verdict, { severity: 'low', reason: 'custom policy default' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two runs on one --state folder: the second stops at once with the pid of the first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-state-'));
  try {
    // A live process holds the lock: this test's own pid, which the CLI child does not share.
    await writeFile(join(dir, 'alertwarden.lock'), `${process.pid}\n`);
    const second = await run(['run', '--state', dir, '--out', join(dir, 'o'), 'examples/alerts']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`state in use by pid ${process.pid}`));
    // A lock left by a killed run (no such process) is taken over.
    await writeFile(join(dir, 'alertwarden.lock'), '999999999\n');
    const resumed = await run(['run', '--json', '--delay', '0', '--state', dir, '--out', join(dir, 'o'), 'examples/alerts/02-root-login.json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    await assert.rejects(readFile(join(dir, 'alertwarden.lock')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
