import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { memoryEmitterState } from '../../core/testing.ts';
import { startLoopbackHttp, type LoopbackHttp } from '../../test/support/loopback-http.ts';
import { contextFor, reportVersions } from '../../test/support/report-versions.ts';
import { createWebhookEmitter, webhookEmitterFromEnv } from './index.ts';
import { signWebhook, verifyWebhook } from './verify.ts';

const PARAMETER = '/alertwarden/test/webhook-secret';
const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const URL_PARAMETER = '/alertwarden/test/webhook-url';
let secrets: Record<string, string>;
let receiver: LoopbackHttp;
const sleeps: number[] = [];
let clock = Date.UTC(2026, 10, 30, 10, 0, 0);

beforeAll(async () => {
  receiver = await startLoopbackHttp(() => ({ status: 204 }));
  secrets = { [PARAMETER]: SECRET, [URL_PARAMETER]: `${receiver.url}/hooks/alertwarden` };
});
afterAll(async () => {
  await receiver?.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.queue.length = 0;
  sleeps.length = 0;
});

const emitter = () =>
  createWebhookEmitter({
    urlParameter: URL_PARAMETER,
    secretParameter: PARAMETER,
    filter: { minSeverity: 'safe', rules: [], excludeRules: [] },
    // Each attempt reads the clock; waiting advances it, as real time would.
    retry: { sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) },
    now: () => clock,
  });

const header = (i: number, name: string) => String(receiver.requests[i]!.headers[name]);

test('each version is POSTed as the report JSON, signed over timestamp + body; the verification recipe accepts it', async () => {
  const state = memoryEmitterState();
  const versions = reportVersions();
  for (const report of versions) await emitter().emit(report, contextFor(report, 'webhook', secrets, state));
  assert.equal(receiver.requests.length, 3);
  receiver.requests.forEach((request, i) => {
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/hooks/alertwarden');
    assert.deepEqual(JSON.parse(request.body), versions[i]);
    assert.equal(header(i, 'idempotency-key'), `${versions[i]!.id}-v${i + 1}-webhook`);
    assert.equal(header(i, 'x-alertwarden-event'), `report.${versions[i]!.phase}`);
    assert.equal(header(i, 'x-alertwarden-timestamp'), String(clock / 1000));
    const check = verifyWebhook({ secret: SECRET, body: request.body, timestamp: header(i, 'x-alertwarden-timestamp'), signature: header(i, 'x-alertwarden-signature'), nowMs: clock });
    assert.deepEqual(check, { ok: true });
  });
  assert.ok(!receiver.requests.some((r) => JSON.stringify(r.headers).includes(SECRET) || r.body.includes(SECRET)), 'the secret itself never travels');
});

test('the recipe refuses a changed body, a wrong secret, a replay outside the window and a missing signature', () => {
  const body = JSON.stringify(reportVersions()[0]);
  const t = Math.floor(clock / 1000);
  const signature = signWebhook(SECRET, t, body);
  const verify = (overrides: Partial<Parameters<typeof verifyWebhook>[0]>) =>
    verifyWebhook({ secret: SECRET, body, timestamp: String(t), signature, nowMs: clock, ...overrides });
  assert.deepEqual(verify({}), { ok: true });
  assert.deepEqual(verify({ body: body.replace('"high"', '"low"') }), { ok: false, reason: 'signature mismatch' });
  assert.deepEqual(verify({ secret: `${SECRET}x` }), { ok: false, reason: 'signature mismatch' });
  assert.deepEqual(verify({ nowMs: clock + 301_000 }), { ok: false, reason: 'timestamp outside the replay window' });
  assert.deepEqual(verify({ timestamp: String(t - 10) }), { ok: false, reason: 'signature mismatch' }, 'the timestamp is signed too');
  assert.deepEqual(verify({ signature: undefined }), { ok: false, reason: 'missing or malformed signature' });
});

test('429 with Retry-After, then 500: retried, each attempt signed afresh, one idempotency key', async () => {
  receiver.queue.push({ status: 429, headers: { 'retry-after': '2' } }, { status: 500 });
  const [preliminary] = reportVersions();
  const result = await emitter().emit(preliminary, contextFor(preliminary, 'webhook', secrets, memoryEmitterState()));
  assert.deepEqual(result, { status: 'delivered', detail: 'webhook answered HTTP 204' });
  assert.deepEqual(sleeps, [2000, 1000]);
  assert.equal(new Set(receiver.requests.map((_, i) => header(i, 'idempotency-key'))).size, 1);
  assert.deepEqual(receiver.requests.map((_, i) => Number(header(i, 'x-alertwarden-timestamp')) - Number(header(0, 'x-alertwarden-timestamp'))), [0, 2, 3]);
});

test('a short signing secret is refused, naming the parameter only; the URL must be https (http only on loopback)', async () => {
  const [preliminary] = reportVersions();
  await assert.rejects(Promise.resolve(emitter().emit(preliminary, contextFor(preliminary, 'webhook', { ...secrets, [PARAMETER]: 'short' }, memoryEmitterState()))), (e: Error) => e.message === `webhook signing secret "${PARAMETER}" must be at least 32 characters`);
  assert.equal(receiver.requests.length, 0);
  assert.equal(webhookEmitterFromEnv({}), undefined);
  const plainHttp = { ...secrets, [URL_PARAMETER]: 'http://soar.example/x?token=abc' };
  await assert.rejects(Promise.resolve(emitter().emit(preliminary, contextFor(preliminary, 'webhook', plainHttp, memoryEmitterState()))), (e: Error) => /must be https/.test(e.message) && !e.message.includes('token=abc'));
  assert.throws(() => webhookEmitterFromEnv({ ALERTWARDEN_WEBHOOK_URL_PARAMETER: URL_PARAMETER }), /ALERTWARDEN_WEBHOOK_SECRET_PARAMETER: required/);
  assert.equal(webhookEmitterFromEnv({ ALERTWARDEN_WEBHOOK_URL_PARAMETER: URL_PARAMETER, ALERTWARDEN_WEBHOOK_SECRET_PARAMETER: PARAMETER })?.name, 'webhook');
});
