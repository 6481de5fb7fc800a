import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import type { Report } from '../core/report.ts';
import { makeAlert, makeAttribute, makeFinding, makeReport, silentLogger } from '../core/testing.ts';
import { loadReviewer } from './index.ts';
import { PolicyError } from './policy/index.ts';

const review = async (report: Report, env: Record<string, string> = {}) =>
  (await loadReviewer(env, {})).review(report, { phase: 'final', logger: silentLogger });
const ip = makeAttribute({ value: '203.0.113.9' });
const listed = makeFinding({ inspector: 'blocklist', attribute: ip, title: 'listed in known-bad', source: 'known-bad' });

describe('the bundled default policy', () => {
  test('root-account rules are critical', async () => {
    assert.deepEqual(await review(makeReport({ rule_id: 'Policy:IAMUser/RootCredentialUsage' })), {
      severity: 'critical',
      reason: 'Policy:IAMUser/RootCredentialUsage involves the root account (alerts: 1)',
    });
  });

  test('a malicious finding is high, and critical once it repeats', async () => {
    assert.deepEqual(await review(makeReport({ findings: [listed] })), { severity: 'high', reason: '203.0.113.9 listed in known-bad (source known-bad)' });
    const alerts = Array.from({ length: 15 }, (_, i) => makeAlert({ description: `${i}` }));
    assert.equal((await review(makeReport({ findings: [listed], alerts }))).severity, 'critical');
  });

  test('a suspicious finding is medium; nothing known is unclassified', async () => {
    assert.equal((await review(makeReport({ findings: [makeFinding({ verdict: 'suspicious' })] }))).severity, 'medium');
    const none = await review(makeReport({ findings: [makeFinding({ verdict: 'safe' })] }));
    assert.equal(none.severity, 'unclassified');
    assert.match(none.reason, /^no policy rule matched example-rule/);
  });
});

describe('ALERTWARDEN_REVIEW_POLICY', () => {
  test('points at a policy of your own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reviewer-'));
    const path = join(dir, 'mine.json');
    await writeFile(path, JSON.stringify({ default: { severity: 'safe', reason: 'we accept {rule_id}' } }));
    assert.deepEqual(await review(makeReport({ findings: [listed] }), { ALERTWARDEN_REVIEW_POLICY: path }), { severity: 'safe', reason: 'we accept example-rule' });
  });

  test('a policy that cannot be loaded fails loudly', async () => {
    await assert.rejects(loadReviewer({ ALERTWARDEN_REVIEW_POLICY: '/nonexistent/policy.json' }), PolicyError);
  });
});
