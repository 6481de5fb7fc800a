import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'vitest';
import { advisoriesOf, checkAllowlist, evaluateAudit } from './audit.ts';

const via = (name: string, severity: string, ghsa: string) => ({
  source: 1,
  name,
  title: `${name} is vulnerable`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: '<2.0.0',
});
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'fast-xml-parser': { via: [via('fast-xml-parser', 'high', 'GHSA-aaaa-bbbb-cccc')] },
    '@aws-sdk/core': { via: ['fast-xml-parser'] },
    semver: { via: [via('semver', 'moderate', 'GHSA-dddd-eeee-ffff')] },
    tar: { via: [via('tar', 'critical', 'GHSA-gggg-hhhh-iiii'), via('tar', 'critical', 'GHSA-gggg-hhhh-iiii')] },
  },
};

test('high and critical advisories are found once each; moderate and transitive pointers are not', () => {
  assert.deepEqual(
    advisoriesOf(report)?.map((a) => `${a.severity} ${a.id} ${a.package}`),
    ['high GHSA-aaaa-bbbb-cccc fast-xml-parser', 'critical GHSA-gggg-hhhh-iiii tar'],
  );
  assert.deepEqual(advisoriesOf({ auditReportVersion: 2, vulnerabilities: {} }), []);
});

test('an error answer (the registry refused the audit) is not mistaken for a clean report', () => {
  assert.equal(advisoriesOf({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk' } as never), undefined);
});

test('only an unexpired allowlist entry with a reason lets an advisory through; stale entries are reported', () => {
  const advisories = advisoriesOf(report)!;
  const allowlist = [
    { id: 'GHSA-aaaa-bbbb-cccc', package: 'fast-xml-parser', reason: 'only parses XML from AWS endpoints we call over TLS', expires: '2027-01-31' },
    { id: 'GHSA-zzzz-zzzz-zzzz', reason: 'fixed upstream since, entry left behind by mistake' },
  ];
  const result = evaluateAudit(advisories, allowlist, '2026-11-23');
  assert.deepEqual(result.blocking.map((a) => a.id), ['GHSA-gggg-hhhh-iiii']);
  assert.deepEqual(result.allowed.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc']);
  assert.deepEqual(result.stale.map((e) => e.id), ['GHSA-zzzz-zzzz-zzzz']);
  assert.deepEqual(evaluateAudit(advisories, allowlist, '2027-02-01').blocking.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc', 'GHSA-gggg-hhhh-iiii'], 'expired');
  assert.deepEqual(evaluateAudit(advisories, [{ ...allowlist[0]!, package: 'other' }], '2026-11-23').blocking.length, 2, 'wrong package');
});

test('allowlist entries need an id and a real reason; the committed allowlist is valid', () => {
  assert.deepEqual(checkAllowlist({ advisories: [{ id: 'GHSA-1', reason: 'ok' }, { reason: 'x'.repeat(30), expires: 'soon' }] }).problems, [
    'advisories[0].reason must say why the risk is accepted (20 characters or more)',
    'advisories[1].id is missing',
    'advisories[1].expires must be YYYY-MM-DD',
  ]);
  assert.deepEqual(checkAllowlist(JSON.parse(readFileSync(new URL('../audit-allowlist.json', import.meta.url), 'utf8'))).problems, []);
});

/** A loopback registry that answers npm's bulk advisory request with `advisories`. */
const withRegistry = async (advisories: Record<string, unknown[]>, run: (registry: string) => Promise<void>) => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.includes('/security/advisories/bulk')) res.end(JSON.stringify(advisories));
      else (res.statusCode = 404), res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.close();
  }
};

// Asynchronous on purpose: the registry above answers from this same process.
const gate = (registry: string) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', new URL('./audit.ts', import.meta.url).pathname],
      { encoding: 'utf8', env: { ...process.env, npm_config_registry: registry } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
const advisory = (name: string, severity: string) => [
  { id: 1, url: 'https://github.com/advisories/GHSA-test-test-test', title: `${name} test advisory`, severity, vulnerable_versions: '>=0.0.0', cwe: [], cvss: { score: 7.5, vectorString: null } },
];

test('the gate as CI runs it: a high advisory in a production dependency fails it; one in a dev tool does not', async () => {
  await withRegistry({ zod: advisory('zod', 'high') }, async (registry) => {
    const run = await gate(registry);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /BLOCKING high GHSA-test-test-test in zod/);
  });
  await withRegistry({ typescript: advisory('typescript', 'critical') }, async (registry) => {
    const run = await gate(registry);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /0 high\/critical advisories in production dependencies, 0 blocking/);
  });
});
