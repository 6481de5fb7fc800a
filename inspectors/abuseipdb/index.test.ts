import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { StaticSecretReader } from '../../core/secrets.ts';
import type { InspectionBudget } from '../../core/store.ts';
import { runInspector } from '../../core/testing.ts';
import { startScriptedHttp, type ScriptedHttp } from '../../test/support/scripted-http.ts';
import { abuseIpdbInspectorFromEnv, createAbuseIpdbInspector } from './index.ts';

const KEY_PARAMETER = '/alertwarden/test/abuseipdb-key';
const secrets = new StaticSecretReader({ [KEY_PARAMETER]: 'abuseipdb-test-key-0123' });

/** The per-report budget as the store keeps it, in memory. */
const memoryBudget = (): InspectionBudget & { used: Map<string, number> } => {
  const used = new Map<string, number>();
  return {
    used,
    async takeBudget(reportId, name, limit) {
      const key = `${reportId}#${name}`;
      if ((used.get(key) ?? 0) >= limit) return false;
      used.set(key, (used.get(key) ?? 0) + 1);
      return true;
    },
  };
};

// AbuseIPDB APIv2 `GET /api/v2/check` response, as documented.
const CHECK = {
  data: {
    ipAddress: '185.220.101.4',
    isPublic: true,
    ipVersion: 4,
    isWhitelisted: false,
    abuseConfidenceScore: 100,
    countryCode: 'DE',
    usageType: 'Reserved',
    isp: 'Zwiebelfreunde e.V.',
    domain: 'torproject.org',
    hostnames: [],
    isTor: true,
    totalReports: 1832,
    numDistinctUsers: 412,
    lastReportedAt: '2026-11-30T09:12:44+00:00',
  },
};

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

const inspector = (budget = memoryBudget(), budgetPerReport = 20) =>
  createAbuseIpdbInspector({ keyParameter: KEY_PARAMETER, secrets, budget, budgetPerReport, baseUrl: api.url, http: { backoffMs: 10 } });

test('a public IP: one check with the key from the secrets port; score, reports, Tor', async () => {
  api.script = [{ body: CHECK }];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'remote', value: '185.220.101.4' });
  assert.equal(api.requests.length, 1);
  const [request] = api.requests;
  assert.equal(request?.method, 'GET');
  assert.equal(request?.url, '/api/v2/check?ipAddress=185.220.101.4&maxAgeInDays=90');
  assert.equal(request?.headers.key, 'abuseipdb-test-key-0123');
  assert.equal(request?.headers.accept, 'application/json');
  assert.deepEqual(result.findings.map((f) => [f.verdict, f.title]), [['malicious', 'AbuseIPDB confidence 100% (1832 reports, last 2026-11-30T09:12:44+00:00), Tor exit']]);
  assert.equal(result.findings[0]?.detail?.isp, 'Zwiebelfreunde e.V.');
});

test('a public address in another spelling is asked about in its plain form', async () => {
  api.script = [{ body: CHECK }];
  await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '::ffff:185.220.101.4' });
  assert.equal(api.requests[0]?.url, '/api/v2/check?ipAddress=185.220.101.4&maxAgeInDays=90');
});

test('hostile answer: control and bidi characters and a huge date never reach the title', async () => {
  api.script = [{ body: { data: { ...CHECK.data, lastReportedAt: `2026\r\nFAKE LOG LINE\u202e${'9'.repeat(5000)}` } } }];
  const [finding] = (await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '185.220.101.4' })).findings;
  assert.doesNotMatch(finding!.title, /[\r\n\u202e]/);
  assert.ok(finding!.title.length < 200, `title of ${finding!.title.length} characters`);
});

test('score bands: 30 is suspicious, 0 is info, whitelisted is safe', async () => {
  for (const [score, whitelisted, verdict] of [[30, false, 'suspicious'], [0, false, 'info'], [0, true, 'safe']] as const) {
    api.script = [{ body: { data: { ...CHECK.data, abuseConfidenceScore: score, isWhitelisted: whitelisted, isTor: false } } }];
    assert.equal((await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '185.220.101.4' })).findings[0]?.verdict, verdict, `score ${score}`);
  }
});

test('private and special addresses are never sent', async () => {
  // Other spellings of internal addresses too: IPv4-mapped, NAT64, a zone id.
  for (const value of ['10.0.0.5', '192.168.1.1', '127.0.0.1', '100.64.0.1', 'fe80::1', '203.0.113.9', '::ffff:10.1.2.3', '64:ff9b::a01:203', 'fe80::1%eth0']) {
    assert.deepEqual(await runInspector(inspector(), { type: 'ipaddr', key: 'r', value }), { findings: [] });
  }
  assert.equal(api.requests.length, 0);
});

test('the per-report budget: past it, no request and a finding that says so', async () => {
  api.script = [{ body: CHECK }];
  const budget = memoryBudget();
  const ips = ['185.220.101.4', '185.220.101.5', '185.220.101.6'];
  const results = [];
  for (const value of ips) results.push(await runInspector(inspector(budget, 2), { type: 'ipaddr', key: 'r', value }, { reportId: 'report-1' }));
  assert.equal(api.requests.length, 2);
  assert.equal(results[2]?.findings[0]?.title, "not looked up: the report's 2 AbuseIPDB lookups are spent");
  await runInspector(inspector(budget, 2), { type: 'ipaddr', key: 'r', value: '185.220.101.7' }, { reportId: 'report-2' });
  assert.equal(api.requests.length, 3, 'another report has its own budget');
});

test('429 then 200: retried after Retry-After within the inspection', async () => {
  api.script = [{ status: 429, headers: { 'retry-after': '0' }, body: { errors: [{ detail: 'Daily rate limit of 1000 requests exceeded', status: 429 }] } }, { body: CHECK }];
  const result = await runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '185.220.101.4' });
  assert.equal(api.requests.length, 2);
  assert.equal(result.findings[0]?.verdict, 'malicious');
});

test('a hung API fails the inspection at its timeout', async () => {
  api.script = [{ hang: true }];
  await assert.rejects(runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '185.220.101.4' }, { timeoutMs: 300 }), { name: 'InspectorTimeoutError' });
});

test('an unexpected body is an error naming the field, not a silent nothing', async () => {
  api.script = [{ body: { data: { ipAddress: '185.220.101.4' } } }];
  await assert.rejects(runInspector(inspector(), { type: 'ipaddr', key: 'r', value: '185.220.101.4' }), /abuseipdb answered with an unexpected shape: data.abuseConfidenceScore/);
});

test('off without a key; a key needs the secrets port and the store', () => {
  assert.equal(abuseIpdbInspectorFromEnv({}, {}), undefined);
  assert.throws(() => abuseIpdbInspectorFromEnv({ ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: KEY_PARAMETER }, {}), /secrets port/);
  assert.throws(
    () => abuseIpdbInspectorFromEnv({ ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: KEY_PARAMETER, ALERTWARDEN_INTEL_BUDGET_PER_REPORT: 'many' }, { secrets, budget: memoryBudget() }),
    /ALERTWARDEN_INTEL_BUDGET_PER_REPORT/,
  );
  assert.equal(abuseIpdbInspectorFromEnv({ ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: KEY_PARAMETER }, { secrets, budget: memoryBudget() })?.name, 'abuseipdb');
});
