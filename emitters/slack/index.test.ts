import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, test } from 'vitest';
import { emissionKeyOf } from '../../core/ids.ts';
import type { EmitterState } from '../../core/plugins.ts';
import { makeAlert, makeEmitContext as makeContext, makeFinding, makeReport, memoryEmitterState } from '../../core/testing.ts';
import type { Report } from '../../core/report.ts';
import { startLoopbackHttp, type LoopbackHttp, type RecordedRequest } from '../../test/support/loopback-http.ts';
import { DeliveryError, RetriesExhaustedError } from '../notify.ts';
import { slackSettingsFrom } from './config.ts';
import { createSlackEmitter } from './index.ts';

const TOKEN_PARAMETER = '/alertwarden/test/slack-token';
const WEBHOOK_PARAMETER = '/alertwarden/test/slack-webhook';
const TOKEN = 'xoxb-test-token-not-real';
const CHANNEL = 'C0SECURITY';

let slack: LoopbackHttp;
let ts = 0;
/** Slack's Web API: `ok` with a fresh ts for every post, `ok` for updates. */
const slackApi = (request: RecordedRequest) =>
  request.path.endsWith('chat.postMessage') ? { body: { ok: true, channel: CHANNEL, ts: `1700000000.00000${++ts}` } } : { body: { ok: true } };

beforeAll(async () => {
  slack = await startLoopbackHttp(slackApi);
});
afterAll(async () => {
  await slack?.close();
});
beforeEach(() => {
  slack.requests.length = 0;
  slack.queue.length = 0;
  slack.respond = slackApi;
  ts = 0;
});

const form = (request: RecordedRequest) => Object.fromEntries(new URLSearchParams(request.body));
const sleeps: number[] = [];
const filter = { minSeverity: 'low', rules: [], excludeRules: [] } as const;
const botEmitter = (overrides: Partial<Parameters<typeof createSlackEmitter>[0]> = {}) =>
  createSlackEmitter({
    target: { kind: 'bot', tokenParameter: TOKEN_PARAMETER, channel: CHANNEL, apiUrl: `${slack.url}/api/` },
    filter: { ...filter, rules: [], excludeRules: [] },
    retry: { sleep: async (ms) => void sleeps.push(ms) },
    ...overrides,
  });
const secrets = { [TOKEN_PARAMETER]: TOKEN, [WEBHOOK_PARAMETER]: '' };
/** The context the pipeline gives for this version: its own idempotency key, the report's state. */
const contextFor = (report: Report, secretValues: Record<string, string>, state: EmitterState) =>
  makeContext(secretValues, undefined, emissionKeyOf(report.id, report.version, 'slack'), state);

/** The fast path's three versions of one report: preliminary high, final critical with 10 more alerts, a re-review that says safe. */
const versions = (): Report[] => {
  const base = makeReport({ rule_id: 'tor-contact', rule_name: 'Contact with a Tor exit node', findings: [makeFinding({ inspector: 'blocklist', title: 'listed in tor-exit-nodes' })] });
  const preliminary = { ...base, version: 1, phase: 'preliminary' as const, verdict: { severity: 'high' as const, reason: 'a blocklisted address' } };
  const alerts = [...base.alerts, ...Array.from({ length: 10 }, (_, n) => makeAlert({ rule_id: 'tor-contact', description: `hit ${n}` }))];
  const final = { ...base, version: 2, phase: 'final' as const, alerts, verdict: { severity: 'critical' as const, reason: '11 alerts' }, previous: { version: 1, phase: 'preliminary' as const, severity: 'high' as const, alertCount: 1 } };
  const safe = { ...final, version: 3, verdict: { severity: 'safe' as const, reason: 'an approved scanner' }, previous: { version: 2, phase: 'final' as const, severity: 'critical' as const, alertCount: 11 } };
  return [preliminary, final, safe];
};

describe('bot token', () => {
  test('preliminary starts a thread; the final update and a re-review reply in it; the escalation is broadcast; the thread start shows the latest verdict', async () => {
    const emitter = botEmitter();
    const state = memoryEmitterState();
    const results = [];
    for (const report of versions()) results.push(await emitter.emit(report, contextFor(report, secrets, state)));
    const calls = slack.requests.map((r) => `${r.path.split('/').pop()} ${form(r).thread_ts ?? form(r).ts ?? '-'} ${form(r).reply_broadcast ?? '-'}`);
    assert.deepEqual(calls, [
      'chat.postMessage - -',
      'chat.postMessage 1700000000.000001 true',
      'chat.update 1700000000.000001 -',
      'chat.postMessage 1700000000.000001 false',
      'chat.update 1700000000.000001 -',
    ]);
    assert.deepEqual(results.map((r) => r.status), ['delivered', 'delivered', 'delivered']);
    assert.match(results[1]!.detail!, /reply in thread 1700000000\.000001, broadcast to the channel \(escalation\)/);
    // The bot token travels only in the Authorization header.
    for (const r of slack.requests) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.ok(!r.body.includes(TOKEN));
    }
    assert.ok(!JSON.stringify(results).includes(TOKEN));
    const update = JSON.parse(form(slack.requests[4]!).attachments!) as { color: string; blocks: { text?: { text: string } }[] }[];
    assert.equal(update[0]!.color, '#2eb67d', 'the thread start now shows safe');
    assert.equal(state.value?.threadTs, '1700000000.000001');
  });

  test('the same version emitted twice (a retried step) is posted once', async () => {
    const emitter = botEmitter();
    const state = memoryEmitterState();
    const [preliminary] = versions();
    await emitter.emit(preliminary!, contextFor(preliminary!, secrets, state));
    const again = await emitter.emit(preliminary!, contextFor(preliminary!, secrets, state));
    assert.equal(slack.requests.length, 1);
    assert.deepEqual(again, { status: 'delivered', detail: 'already posted for this version' });
  });

  test('a 429 is retried after its Retry-After, a 503 after a back-off', async () => {
    sleeps.length = 0;
    slack.queue.push({ status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } }, { status: 503, body: 'busy' });
    const result = await botEmitter().emit(versions()[0]!, makeContext(secrets));
    assert.equal(result.status, 'delivered');
    assert.equal(slack.requests.length, 3);
    assert.deepEqual(sleeps, [3000, 1000], 'Retry-After 3 s, then the second back-off step');
  });

  test('a wait longer than the emit budget is not slept: the error goes to the pipeline (retried by the step, then recorded)', async () => {
    sleeps.length = 0;
    slack.queue.push({ status: 429, headers: { 'retry-after': '60' }, body: { ok: false, error: 'ratelimited' } });
    await assert.rejects(Promise.resolve(botEmitter().emit(versions()[0]!, makeContext(secrets))), RetriesExhaustedError);
    assert.deepEqual(sleeps, []);
  });

  test('errors that retrying cannot fix fail at once, naming the Slack error and never the token', async () => {
    slack.respond = () => ({ body: { ok: false, error: 'channel_not_found' } });
    const error = await Promise.resolve(botEmitter().emit(versions()[0]!, makeContext(secrets))).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.message, 'slack: HTTP 200: Slack API error channel_not_found');
    assert.equal(slack.requests.length, 1);
  });

  test('a target that keeps failing gives up after 4 attempts', async () => {
    slack.respond = () => ({ status: 500, body: 'down' });
    await assert.rejects(Promise.resolve(botEmitter().emit(versions()[0]!, makeContext(secrets))), /slack: gave up after 4 attempts: slack: HTTP 500/);
    assert.equal(slack.requests.length, 4);
  });
});

describe('filters', () => {
  test('below the minimum severity, an excluded rule or a rule not listed: skipped with the reason, nothing sent', async () => {
    const [preliminary] = versions();
    const cases = [
      [{ minSeverity: 'critical', rules: [], excludeRules: [] }, 'severity high below critical'],
      [{ minSeverity: 'low', rules: [], excludeRules: ['tor-*'] }, 'rule excluded for this emitter'],
      [{ minSeverity: 'low', rules: ['root-console-login'], excludeRules: [] }, "rule not in this emitter's rules"],
    ] as const;
    for (const [f, reason] of cases) {
      const result = await botEmitter({ filter: { ...f, rules: [...f.rules], excludeRules: [...f.excludeRules] } }).emit(preliminary!, makeContext(secrets));
      assert.deepEqual(result, { status: 'skipped', detail: reason });
    }
    assert.equal(slack.requests.length, 0);
  });

  test('once a report was posted, an update below the minimum still reaches the thread (the all-clear)', async () => {
    const emitter = botEmitter({ filter: { minSeverity: 'high', rules: [], excludeRules: [] } });
    const state = memoryEmitterState();
    const [preliminary, , safe] = versions();
    await emitter.emit(preliminary!, contextFor(preliminary!, secrets, state));
    assert.equal((await emitter.emit(safe!, contextFor(safe!, secrets, state))).status, 'delivered');
    assert.equal(form(slack.requests[1]!).thread_ts, '1700000000.000001');
    const fresh = await emitter.emit({ ...safe!, id: 'another-report' }, makeContext(secrets));
    assert.deepEqual(fresh, { status: 'skipped', detail: 'severity safe below high' });
  });
});

describe('incoming webhook', () => {
  test('posts the Block Kit message as JSON to the secret URL, honouring Retry-After; each version is its own message', async () => {
    sleeps.length = 0;
    const url = `${slack.url}/services/T000/B000/secretpart`;
    const emitter = createSlackEmitter({ target: { kind: 'webhook', webhookParameter: WEBHOOK_PARAMETER }, filter: { ...filter, rules: [], excludeRules: [] }, retry: { sleep: async (ms) => void sleeps.push(ms) } });
    slack.respond = () => ({ body: 'ok' });
    slack.queue.push({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    const state = memoryEmitterState();
    const [preliminary, final] = versions();
    const first = await emitter.emit(preliminary!, contextFor(preliminary!, { [WEBHOOK_PARAMETER]: url }, state));
    await emitter.emit(final!, contextFor(final!, { [WEBHOOK_PARAMETER]: url }, state));
    assert.equal(first.status, 'delivered');
    assert.ok(!JSON.stringify(first).includes('secretpart'));
    assert.deepEqual(sleeps, [2000]);
    const bodies = slack.requests.map((r) => JSON.parse(r.body) as { text: string; attachments: { color: string }[] });
    assert.equal(slack.requests.length, 3);
    assert.equal(slack.requests[0]!.path, '/services/T000/B000/secretpart');
    assert.match(bodies[1]!.text, /^HIGH: /);
    assert.match(bodies[2]!.text, /^Update: CRITICAL: /);
    assert.equal(bodies[2]!.attachments[0]!.color, '#8b0000');
  });
});

describe('configuration', () => {
  test('absent unless a token or webhook parameter is named; a token needs a channel; bad settings name the variable', () => {
    assert.equal(slackSettingsFrom({}), undefined);
    assert.deepEqual(slackSettingsFrom({ ALERTWARDEN_SLACK_WEBHOOK_PARAMETER: WEBHOOK_PARAMETER, ALERTWARDEN_SLACK_RULES: 'tor-*, root-login' }), {
      target: { kind: 'webhook', webhookParameter: WEBHOOK_PARAMETER },
      filter: { minSeverity: 'low', rules: ['tor-*', 'root-login'], excludeRules: [] },
    });
    assert.throws(() => slackSettingsFrom({ ALERTWARDEN_SLACK_TOKEN_PARAMETER: TOKEN_PARAMETER }), /ALERTWARDEN_SLACK_CHANNEL: required/);
    assert.throws(
      () => slackSettingsFrom({ ALERTWARDEN_SLACK_WEBHOOK_PARAMETER: WEBHOOK_PARAMETER, ALERTWARDEN_SLACK_MIN_SEVERITY: 'urgent' }),
      /ALERTWARDEN_SLACK_MIN_SEVERITY: must be one of safe, low/,
    );
  });
});
