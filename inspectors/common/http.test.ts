import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { startScriptedHttp, type ScriptedHttp } from '../../test/support/scripted-http.ts';
import { intelHttp, retryAfterMs } from './http.ts';

let api: ScriptedHttp;
beforeAll(async () => {
  api = await startScriptedHttp();
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  api.requests.length = 0;
});

const signal = () => new AbortController().signal;

/** Records each back-off instead of spending it. */
const recordedSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

test('429 with Retry-After: waits what the server asks, then succeeds', async () => {
  api.script = [{ status: 429, headers: { 'retry-after': '2' }, body: { errors: [{ detail: 'Too Many Requests' }] } }, { status: 200, body: { ok: true } }];
  const { waits, sleep } = recordedSleep();
  const http = intelHttp({ service: 'test', backoffMs: 10, sleep });
  const answer = await http.getJson(`${api.url}/check?ip=1`, { Key: 'k' }, signal());
  assert.deepEqual(answer, { status: 200, body: { ok: true } });
  assert.equal(api.requests.length, 2);
  assert.deepEqual(waits, [2000], 'Retry-After: 2 is two seconds');
  assert.equal(api.requests[0]!.headers.key, 'k');
});

test('5xx without Retry-After: exponential back-off, then gives up after the attempts', async () => {
  api.script = [{ status: 503 }];
  const { waits, sleep } = recordedSleep();
  const http = intelHttp({ service: 'test', backoffMs: 50, attempts: 3, sleep });
  await assert.rejects(http.getJson(`${api.url}/x`, {}, signal()), { name: 'IntelUnavailableError', message: 'test answered HTTP 503 3 times' });
  assert.equal(api.requests.length, 3);
  assert.deepEqual(waits, [50, 100], 'doubled after each failure, none after the last');
});

test('a 429 that resolves within the attempts after a real (short) wait', async () => {
  api.script = [{ status: 429, headers: { 'retry-after': '0' } }, { status: 200, body: { ok: 1 } }];
  assert.deepEqual(await intelHttp({ service: 'test' }).getJson(`${api.url}/x`, {}, signal()), { status: 200, body: { ok: 1 } });
});

test('a Retry-After longer than an inspection may wait: fails at once and pauses the service for that long', async () => {
  let now = Date.parse('2026-11-30T10:00:00Z');
  api.script = [{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200, body: {} }];
  const http = intelHttp({ service: 'abuseipdb', maxWaitMs: 5_000, now: () => now });
  await assert.rejects(http.getJson(`${api.url}/x`, {}, signal()), { name: 'IntelUnavailableError', message: 'abuseipdb answered HTTP 429 and asks to wait 3600 s' });
  await assert.rejects(http.getJson(`${api.url}/x`, {}, signal()), /paused for 3600 s/);
  assert.equal(api.requests.length, 1, 'the paused service is not called');
  now += 3_600_000;
  assert.equal((await http.getJson(`${api.url}/x`, {}, signal())).status, 200);
});

test('401 is not retried; 404 is an answer', async () => {
  api.script = [{ status: 401, body: { errors: [{ detail: 'Authentication failed' }] } }];
  await assert.rejects(intelHttp({ service: 'test' }).getJson(`${api.url}/x`, {}, signal()), { name: 'IntelRequestError', status: 401 });
  assert.equal(api.requests.length, 1);
  api.script = [{ status: 404, body: { message: 'IP not observed' } }];
  assert.deepEqual(await intelHttp({ service: 'test' }).getJson(`${api.url}/x`, {}, signal()), { status: 404, body: { message: 'IP not observed' } });
});

test('a hung service is cut by the inspection signal', async () => {
  api.script = [{ hang: true }];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('budget spent')), 200);
  await assert.rejects(intelHttp({ service: 'test' }).getJson(`${api.url}/x`, {}, controller.signal), /budget spent/);
  clearTimeout(timer);
});

test('Retry-After forms', () => {
  const now = Date.parse('2026-11-30T10:00:00Z');
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs('Mon, 30 Nov 2026 10:01:00 GMT', now), 60_000);
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs(null, now), undefined);
});
