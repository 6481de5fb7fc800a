/**
 * Slack through the whole local pipeline: the fast path's preliminary page, its final update
 * and a later re-review of the same report land in ONE thread, whose ts the emitter keeps in
 * its per-report state in DynamoDB (dynalite through the real SDK). Slack is a loopback server.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { SEVERITY_RANK, type Severity } from '../../core/report.ts';
import { StaticSecretReader } from '../../core/secrets.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { startLoopbackHttp, type LoopbackHttp, type RecordedRequest } from '../support/loopback-http.ts';

const WAIT_SECONDS = 3;
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
  // Only ordering matters here (the fast path's timing has its own test): the preliminary page first.
  assert.ok(await until(() => slack.requests.length >= 1, 120_000), 'the preliminary page is posted');
  await runtime.publish(Array.from({ length: 10 }, (_, n) => alert(n + 1)));
  await runtime.drain();
  // A late alert inside the window: the same report is reviewed again.
  await runtime.publish([alert(30)]);
  await runtime.drain();

  const calls = slack.requests.map((r) => {
    const form = new URLSearchParams(r.body);
    return { method: r.path.split('/').pop(), thread: form.get('thread_ts') ?? form.get('ts'), broadcast: form.get('reply_broadcast'), text: form.get('text') ?? '' };
  });
  const posts = calls.filter((c) => c.method === 'chat.postMessage');
  const first = '1700000000.000001';
  // One thread: the first post opens it, every later post replies in it, each followed by an edit of its start.
  assert.deepEqual(calls[0], { method: 'chat.postMessage', thread: null, broadcast: null, text: calls[0]!.text });
  assert.match(calls[0]!.text, /^HIGH: /);
  assert.ok(posts.length >= 3, `${posts.length} posts: preliminary, final, re-review`);
  for (const c of posts.slice(1)) assert.equal(c.thread, first, `a reply outside the thread: ${c.text}`);
  assert.equal(calls.filter((c) => c.method === 'chat.update' && c.thread === first).length, posts.length - 1);
  // A rise in severity (high to critical) also goes to the channel; no other reply does.
  const severities = posts.map((c) => /^(?:Update: )?([A-Z]+):/.exec(c.text)?.[1]?.toLowerCase() as Severity);
  assert.ok(severities.includes('critical'), `severities posted: ${severities.join(', ')}`);
  assert.deepEqual(
    posts.slice(1).map((c) => c.broadcast),
    severities.slice(1).map((s, i) => String(SEVERITY_RANK[s] > SEVERITY_RANK[severities[i]!])),
  );
  for (const c of calls) assert.doesNotMatch(c.text, /<!channel>/);
  const [view] = (await runtime.reports()).filter((v) => v.report.alert_key === 'slack-thread');
  const lastPost = slack.requests.filter((r) => r.path.endsWith('chat.postMessage')).at(-1)!;
  const attachments = new URLSearchParams(lastPost.body).get('attachments')!;
  const latest = view!.report.version;
  assert.ok(attachments.includes(`https://soc.example/reports/${view!.report.id}?v=${latest}`), `the link names the report and its latest version ${latest}`);
  const delivered = view!.emissions.filter((e) => e.status === 'delivered').map((e) => e.version);
  assert.equal(delivered.length, posts.length, `versions delivered: ${delivered.join(', ')}`);
  assert.equal(delivered.at(-1), latest);
});
