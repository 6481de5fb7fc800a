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

describe("the bundled default policy and the source's own severity", () => {
  const fromGuardDuty = (level: 'info' | 'low' | 'medium' | 'high' | 'critical', raw: number) =>
    makeReport({ detector: 'guardduty', rule_id: 'Backdoor:EC2/C&CActivity.B', alerts: [makeAlert({ source_severity: { level, raw } })] });

  test('GuardDuty high is high and critical is critical, with the raw value in the reason', async () => {
    assert.deepEqual(await review(fromGuardDuty('high', 8)), { severity: 'high', reason: 'guardduty rates Backdoor:EC2/C&CActivity.B high (8) (alerts: 1)' });
    assert.equal((await review(fromGuardDuty('critical', 9.5))).severity, 'critical');
    assert.equal((await review(fromGuardDuty('medium', 5))).severity, 'medium');
    assert.equal((await review(fromGuardDuty('low', 2))).severity, 'low');
  });

  test('an inspector finding above the source severity still wins', async () => {
    const report = { ...fromGuardDuty('low', 2), findings: [listed] };
    assert.equal((await review(report)).severity, 'high');
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
