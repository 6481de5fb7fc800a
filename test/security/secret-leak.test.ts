/**
 * No configured secret appears in any log line, report or stored record. A whole local run
 * at DEBUG level (child process, stdout and stderr captured) reads a webhook token from SSM
 * the way emitters do and uses it; then every byte it printed or stored is scanned for the
 * token, raw and in the encodings a leak usually takes. A second run whose emitter logs the
 * token proves the scan finds a leak.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { nodeArgsFor } from '../support/typescript.ts';

const SCENARIO = new URL('./leak-scenario.ts', import.meta.url).pathname;

/** The secret as it would look if it leaked through JSON, a URL, base64 or a header dump. */
const formsOf = (secret: string) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  encodeURIComponent(secret),
  Buffer.from(secret).toString('base64'),
  Buffer.from(`Bearer ${secret}`).toString('base64'),
];

const leaksIn = (text: string, secret: string) => formsOf(secret).filter((form) => text.includes(form));

const runScenario = async (leak: boolean) => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-leak-'));
  // Characters that change under JSON, URL and base64 encoding, so each form differs from the raw one.
  const secret = `awt-${randomBytes(12).toString('hex')}+/="\\`;
  await writeFile(join(dir, 'fixture.json'), JSON.stringify({ secret }));
  const child = spawn(process.execPath, [...(await nodeArgsFor(SCENARIO)), dir], {
    env: { ...process.env, LEAK: leak ? '1' : '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += String(c)));
  child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  const [result, stored, reports] = await Promise.all([read('result.json'), read('stored.txt'), read('reports.jsonl')]);
  await rm(dir, { recursive: true, force: true });
  return { secret, stdout, stderr, stored, reports, result: JSON.parse(result) as Record<string, number> };
};

test('a secret read from SSM and used by an emitter appears in no log line, report or stored item', async () => {
  const [clean, leaky] = await Promise.all([runScenario(false), runScenario(true)]);

  // The run really used the secret, really logged at DEBUG, and really stored reports.
  assert.ok(clean.result.authorized! >= 2, 'the webhook got the token for both reports');
  assert.ok(clean.result.requests! > clean.result.authorized!, 'the refused first call exercised the failure path');
  assert.equal(clean.result.ssmCalls, 1, 'read once from SSM, then cached');
  assert.equal(clean.result.reports, 2);
  assert.ok(clean.result.storedItems! > 10 && clean.result.storedObjects! >= 2);
  const debugLines = clean.stdout.split('\n').filter((l) => l.includes('"level":"DEBUG"'));
  assert.ok(debugLines.length > 0, 'DEBUG lines were captured');
  assert.match(clean.stdout, /Report .*: version \d+ \(final\)/, 'the console emitter output was captured');

  for (const [where, text] of Object.entries({ stdout: clean.stdout, stderr: clean.stderr, stored: clean.stored, reports: clean.reports })) {
    assert.deepEqual(leaksIn(text, clean.secret), [], `the secret leaked into ${where}`);
  }
  // Control: an emitter that logs its token is caught by the same scan.
  assert.ok(leaksIn(leaky.stdout + leaky.stderr, leaky.secret).length > 0, 'the scan finds a logged token');
});
