import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { StaticSecretReader } from '../../core/secrets.ts';
import { runInspector } from '../../core/testing.ts';
import { startScriptedHttp, type ScriptedHttp } from '../../test/support/scripted-http.ts';
import { createGreyNoiseInspector, greyNoiseInspectorFromEnv } from './index.ts';

const KEY_PARAMETER = '/alertwarden/test/greynoise-key';
const secrets = new StaticSecretReader({ [KEY_PARAMETER]: 'gn-test-key' });
const unlimited = { takeBudget: async () => true };

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

const inspector = () => createGreyNoiseInspector({ keyParameter: KEY_PARAMETER, secrets, budget: unlimited, baseUrl: api.url, http: { backoffMs: 10 } });

// GreyNoise Community API v3 responses, as documented.
test('a scanner classified malicious', async () => {
  api.script = [
    {
      body: {
        ip: '71.6.135.131',
        noise: true,
        riot: false,
        classification: 'malicious',
        name: 'unknown',
        link: 'https://viz.greynoise.io/ip/71.6.135.131',
        last_seen: '2026-11-29',
        message: 'Success',
      },
    },
  ];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'remote', value: '71.6.135.131' });
  assert.equal(api.requests[0]?.url, '/v3/community/71.6.135.131');
  assert.equal(api.requests[0]?.headers.key, 'gn-test-key');
  assert.deepEqual(result.findings.map((f) => [f.verdict, f.title]), [['malicious', 'GreyNoise: an internet scanner, classified malicious, last seen 2026-11-29']]);
});

test('a RIOT business service is safe', async () => {
  api.script = [{ body: { ip: '8.8.8.8', noise: false, riot: true, classification: 'benign', name: 'Google Public DNS', link: 'https://viz.greynoise.io/riot/8.8.8.8', last_seen: '2026-11-30', message: 'Success' } }];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'remote', value: '8.8.8.8' });
  assert.deepEqual(result.findings.map((f) => [f.verdict, f.title]), [['safe', 'GreyNoise: a known business service (Google Public DNS), last seen 2026-11-30']]);
});

test('404 (not observed) gives no finding; 500 twice then 200 is retried', async () => {
  api.script = [{ status: 404, body: { ip: '198.18.0.1', noise: false, riot: false, message: 'IP not observed scanning the internet or contained in RIOT data set.' } }];
  assert.deepEqual(await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '45.83.64.1' }), { findings: [] });
  api.script = [{ status: 500 }, { status: 502 }, { body: { ip: '45.83.64.1', noise: true, riot: false, classification: 'unknown', message: 'Success' } }];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '45.83.64.1' });
  assert.equal(api.requests.length, 4);
  assert.equal(result.findings[0]?.verdict, 'info');
});

test('off without a key', () => {
  assert.equal(greyNoiseInspectorFromEnv({ ALERTWARDEN_GREYNOISE_URL: 'http://127.0.0.1:1' }, { secrets, budget: unlimited }), undefined);
  assert.equal(greyNoiseInspectorFromEnv({ ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER: KEY_PARAMETER }, { secrets, budget: unlimited })?.name, 'greynoise');
});

test('hostile answer: a service name with a forged log line, bidi overrides and 5,000 characters stays one short, plain title', async () => {
  api.script = [{ body: { ip: '8.8.4.4', noise: false, riot: true, classification: 'benign', name: `Google\n[ERROR] forged\u202e${'x'.repeat(5000)}`, last_seen: '2026-11-30\r\n', message: 'Success' } }];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'remote', value: '8.8.4.4' });
  const title = result.findings[0]!.title;
  assert.doesNotMatch(title, /[\n\r\u202e]/);
  assert.ok(title.length < 220, `title of ${title.length} characters`);
  assert.match(title, /^GreyNoise: a known business service \(Google \[ERROR\] forged x+…\), last seen 2026-11-30$/);
});
