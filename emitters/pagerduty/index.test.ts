import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { memoryEmitterState } from '../../core/testing.ts';
import { startLoopbackHttp, type LoopbackHttp } from '../../test/support/loopback-http.ts';
import { contextFor, reportVersions } from '../../test/support/report-versions.ts';
import { DeliveryError } from '../notify.ts';
import { createPagerDutyEmitter, pagerDutyEmitterFromEnv } from './index.ts';

const PARAMETER = '/alertwarden/test/pagerduty-routing-key';
const ROUTING_KEY = 'R0UTINGKEY0000000000000000000000';
const secrets = { [PARAMETER]: ROUTING_KEY };
let pd: LoopbackHttp;
const sleeps: number[] = [];
const accepted = () => ({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: 'x' } });

beforeAll(async () => {
  pd = await startLoopbackHttp(accepted);
});
afterAll(async () => {
  await pd?.close();
});
beforeEach(() => {
  pd.requests.length = 0;
  pd.queue.length = 0;
  pd.respond = accepted;
  sleeps.length = 0;
});

const emitter = (minSeverity: 'high' | 'critical' = 'high') =>
  createPagerDutyEmitter({
    routingKeyParameter: PARAMETER,
    eventsUrl: `${pd.url}/v2/enqueue`,
    filter: { minSeverity, rules: [], excludeRules: [] },
    retry: { sleep: async (ms) => void sleeps.push(ms) },
  });
type Event = { routing_key: string; event_action: string; dedup_key: string; payload?: { severity: string; summary: string; custom_details: Record<string, unknown> }; links?: { href: string }[] };
const events = () => pd.requests.map((r) => JSON.parse(r.body) as Event);

test('preliminary -> final -> safe re-review: one dedup_key (the report id), trigger, trigger, resolve; severity mapped; findings in custom details', async () => {
  const state = memoryEmitterState();
  const versions = reportVersions();
  const results = [];
  for (const report of versions) {
    const ctx = { ...contextFor(report, 'pagerduty', secrets, state), reportUrl: `https://soc.example/r/${report.version}` };
    results.push(await emitter().emit(report, ctx));
  }
  const sent = events();
  assert.deepEqual(sent.map((e) => `${e.event_action} ${e.dedup_key} ${e.payload?.severity ?? '-'}`), [
    `trigger ${versions[0].id} error`,
    `trigger ${versions[0].id} critical`,
    `resolve ${versions[0].id} -`,
  ]);
  assert.ok(pd.requests.every((r) => r.path === '/v2/enqueue' && r.headers['content-type'] === 'application/json'));
  assert.equal(sent[0]!.routing_key, ROUTING_KEY);
  assert.deepEqual(sent[1]!.payload!.custom_details.findings, { lines: ['malicious: ipaddr=198.51.100.7 listed in tor-exit-nodes (blocklist)'] });
  assert.equal(sent[1]!.payload!.custom_details.change, 'raised from high to critical: 10 more alerts aggregated');
  assert.equal(sent[1]!.payload!.summary, '[CRITICAL] Contact with a Tor exit node: 11 alert(s); 11 alerts');
  assert.deepEqual(sent[1]!.links, [{ href: 'https://soc.example/r/2', text: 'Full report, version 2' }]);
  assert.deepEqual(results.map((r) => r.status), ['delivered', 'delivered', 'delivered']);
  assert.ok(!JSON.stringify(results).includes(ROUTING_KEY), 'the routing key never reaches the report');
});

test('a retried version is not sent twice; a safe report with nothing open never pages; below the minimum is skipped', async () => {
  const [preliminary, , safe] = reportVersions();
  const state = memoryEmitterState();
  await emitter().emit(preliminary, contextFor(preliminary, 'pagerduty', secrets, state));
  const again = await emitter().emit(preliminary, contextFor(preliminary, 'pagerduty', secrets, state));
  assert.deepEqual(again, { status: 'delivered', detail: 'already sent for this version' });
  const fresh = memoryEmitterState();
  assert.deepEqual(await emitter().emit(safe, contextFor(safe, 'pagerduty', secrets, fresh)), { status: 'skipped', detail: 'safe, and no incident open for this report' });
  assert.deepEqual(await emitter('critical').emit(preliminary, contextFor(preliminary, 'pagerduty', secrets, fresh)), { status: 'skipped', detail: 'severity high below critical' });
  assert.equal(pd.requests.length, 1);
});

test('429 waits Retry-After, 502 backs off, then the event goes through', async () => {
  pd.queue.push({ status: 429, headers: { 'retry-after': '4' }, body: { status: 'throttle event' } }, { status: 502, body: 'bad gateway' });
  const [preliminary] = reportVersions();
  const result = await emitter().emit(preliminary, contextFor(preliminary, 'pagerduty', secrets, memoryEmitterState()));
  assert.equal(result.status, 'delivered');
  assert.deepEqual(sleeps, [4000, 1000]);
  assert.equal(pd.requests.length, 3);
});

test('a refused event (400) fails at once with the status, without the routing key', async () => {
  pd.respond = () => ({ status: 400, body: { status: 'invalid event', errors: [`routing key ${ROUTING_KEY} unknown`] } });
  const [preliminary] = reportVersions();
  const error = await Promise.resolve(emitter().emit(preliminary, contextFor(preliminary, 'pagerduty', secrets, memoryEmitterState()))).catch((e: unknown) => e);
  assert.ok(error instanceof DeliveryError);
  assert.equal(error.message, 'pagerduty: HTTP 400');
  assert.equal(pd.requests.length, 1);
});

test('configured by its routing-key parameter; the events URL must be http(s)', () => {
  assert.equal(pagerDutyEmitterFromEnv({}), undefined);
  assert.equal(pagerDutyEmitterFromEnv({ ALERTWARDEN_PAGERDUTY_ROUTING_KEY_PARAMETER: PARAMETER })?.name, 'pagerduty');
  assert.throws(() => pagerDutyEmitterFromEnv({ ALERTWARDEN_PAGERDUTY_ROUTING_KEY_PARAMETER: PARAMETER, ALERTWARDEN_PAGERDUTY_EVENTS_URL: 'ftp://x' }), /ALERTWARDEN_PAGERDUTY_EVENTS_URL/);
});
