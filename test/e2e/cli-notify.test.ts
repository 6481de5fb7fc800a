/**
 * A local run sends real notifications when the shell names them: the secrets file holds the
 * webhook URL under its parameter name, as SSM would. The "Slack" here is a loopback server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { startLoopbackHttp } from '../support/loopback-http.ts';

const runCli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['local/bin.mjs', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });

test('alertwarden run --emitters slack posts through the webhook named in the local secrets file', async () => {
  const slack = await startLoopbackHttp(() => ({ body: 'ok' }));
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-notify-'));
  try {
    const secrets = join(dir, 'secrets.json');
    await writeFile(secrets, JSON.stringify({ '/alertwarden/dev/slack-webhook': `${slack.url}/services/T1/B1/local` }));
    const { code, stderr } = await runCli(['run', '--delay', '0', '--out', join(dir, 'out'), '--emitters', 'file,slack', 'examples/alerts/02-root-login.json'], {
      ALERTWARDEN_SECRETS_FILE: secrets,
      ALERTWARDEN_SLACK_WEBHOOK_PARAMETER: '/alertwarden/dev/slack-webhook',
    });
    assert.equal(code, 0, stderr);
    const texts = slack.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    assert.ok(texts.length >= 1, `Slack received ${texts.length} messages`);
    assert.ok(slack.requests.every((r) => r.path === '/services/T1/B1/local'));
    assert.match(texts.at(-1)!, /CRITICAL/);
  } finally {
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
});
