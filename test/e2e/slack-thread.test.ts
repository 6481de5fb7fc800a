/**
 * Slack through the whole local pipeline: the fast path's preliminary page, its final update
 * and a later re-review of the same report land in ONE thread, whose ts the emitter keeps in
 * its per-report state in DynamoDB (dynalite through the real SDK). Slack is a loopback server.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { StaticSecretReader } from '../../core/secrets.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { startLoopbackHttp, type LoopbackHttp, type RecordedRequest } from '../support/loopback-http.ts';

const WAIT_SECONDS = 2;
let runtime: LocalRuntime;
let slack: LoopbackHttp;
let ts = 0;

const alert = (second: number) =>
  JSON.stringify({
    detector: 'e2e',
    rule_id: 'tor-contact',
    rule_name: 'Contact with a Tor exit node <!channel>',
    alert_key: 'slack-thread',
    timestamp: new Date(Date.UTC(2026, 10, 23, 3, 0, second)).toISOString(),
    attributes: [{ type: 'ipaddr', key: 'remote', value: '203.0.113.7', context: ['remote'] }],
  });

const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
};

beforeAll(async () => {
  slack = await startLoopbackHttp((request: RecordedRequest) =>
    request.path.endsWith('chat.postMessage') ? { body: { ok: true, channel: 'C0SEC', ts: `1700000000.00000${++ts}` } } : { body: { ok: true } },
  );
  runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: String(WAIT_SECONDS),
      ALERTWARDEN_BLOCKLISTS: 'examples/blocklists/known-bad.txt',
      ALERTWARDEN_EMITTERS: 'slack',
      ALERTWARDEN_SLACK_TOKEN_PARAMETER: '/alertwarden/e2e/slack-token',
      ALERTWARDEN_SLACK_CHANNEL: 'C0SEC',
      ALERTWARDEN_SLACK_API_URL: `${slack.url}/api/`,
      ALERTWARDEN_REPORT_LINK: 'https://soc.example/reports/{reportId}?v={version}',
    },
    secrets: new StaticSecretReader({ '/alertwarden/e2e/slack-token': 'xoxb-e2e' }),
  });
});

afterAll(async () => {
  await runtime?.stop();
  await slack?.close();
});

test('preliminary -> final -> re-review: one thread, the escalation broadcast, the thread start kept current', async () => {
  await runtime.publish([alert(0)]);
  assert.ok(await until(() => slack.requests.length === 1, WAIT_SECONDS * 1000 - 200), 'the preliminary page is posted before the wait ends');
  await runtime.publish(Array.from({ length: 10 }, (_, n) => alert(n + 1)));
  await runtime.drain();
  // A late alert inside the window: the same report is reviewed again.
  await runtime.publish([alert(30)]);
  await runtime.drain();

  const calls = slack.requests.map((r) => {
    const form = new URLSearchParams(r.body);
    return { method: r.path.split('/').pop(), thread: form.get('thread_ts') ?? form.get('ts'), broadcast: form.get('reply_broadcast'), text: form.get('text') ?? '' };
  });
  assert.deepEqual(
    calls.map((c) => `${c.method} ${c.thread ?? '-'} ${c.broadcast ?? '-'}`),
    [
      'chat.postMessage - -',
      'chat.postMessage 1700000000.000001 true',
      'chat.update 1700000000.000001 -',
      'chat.postMessage 1700000000.000001 false',
      'chat.update 1700000000.000001 -',
    ],
  );
  assert.match(calls[0]!.text, /^HIGH: /);
  assert.match(calls[1]!.text, /^Update: CRITICAL: /);
  for (const c of calls) assert.doesNotMatch(c.text, /<!channel>/);
  const [view] = (await runtime.reports()).filter((v) => v.report.alert_key === 'slack-thread');
  const attachments = new URLSearchParams(slack.requests[3]!.body).get('attachments')!;
  const latest = view!.report.version;
  assert.ok(attachments.includes(`https://soc.example/reports/${view!.report.id}?v=${latest}`), `the link names the report and its latest version ${latest}`);
  const delivered = view!.emissions.filter((e) => e.status === 'delivered').map((e) => e.version);
  assert.equal(delivered.length, 3, `versions delivered: ${delivered.join(', ')}`);
  assert.equal(delivered.at(-1), latest);
});
