import assert from 'node:assert/strict';
import { test } from 'vitest';
import { makeFinding, makeReport, silentLogger } from '../../core/testing.ts';
import { createPolicyReviewer, InvalidPolicyError } from './index.ts';

test('the policy reviewer returns the verdict of the winning rule and logs which rule it was', async () => {
  const logged: unknown[] = [];
  const reviewer = createPolicyReviewer({
    default: { severity: 'low', reason: 'nothing found' },
    rules: [{ name: 'listed', when: { finding: { inspector: 'blocklist' } }, severity: 'high', reason: '{attribute} {finding}' }],
  });
  const logger = { ...silentLogger, debug: (_m: string, extra?: Record<string, unknown>) => logged.push(extra) };
  const report = makeReport({ findings: [makeFinding({ inspector: 'blocklist', title: 'listed in tor' })] });
  assert.equal(reviewer.name, 'policy');
  assert.deepEqual(await reviewer.review(report, { phase: 'final', logger }), { severity: 'high', reason: '198.51.100.7 listed in tor' });
  assert.deepEqual(logged, [{ reportId: report.id, rule: 'listed', severity: 'high' }]);
  assert.deepEqual(await reviewer.review(makeReport(), { phase: 'final', logger }), { severity: 'low', reason: 'nothing found' });
});

test('an invalid policy fails at creation, naming its origin', () => {
  assert.throws(() => createPolicyReviewer({ default: { severity: 'low', reason: '{nope}' } }, 'my-policy.json'), (e: unknown) => e instanceof InvalidPolicyError && e.message.startsWith('invalid review policy my-policy.json: default.reason'));
});
