import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { InvalidPolicyError } from './errors.ts';
import { parsePolicy } from './schema.ts';

const base = { default: { severity: 'unclassified', reason: 'no rule for {rule_id}' } };
const rule = { name: 'r', when: { finding: { verdict: 'malicious' } }, severity: 'high', reason: '{finding}' };

/** The issues of a policy that must be refused, as "path: message" strings. */
const issuesOf = (policy: unknown): string[] => {
  try {
    parsePolicy(policy, 'test.json');
  } catch (error) {
    assert.ok(error instanceof InvalidPolicyError);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.origin, 'test.json');
    assert.match(error.message, /^invalid review policy test\.json: /);
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('policy was accepted');
};

describe('parsePolicy', () => {
  test('accepts a minimal policy and fills defaults', () => {
    assert.deepEqual(parsePolicy(base, 'x'), { ...base, rules: [] });
    const policy = parsePolicy({ ...base, rules: [{ ...rule, when: { finding: { verdict: ['malicious', 'suspicious'] }, minAlerts: 3 } }] }, 'x');
    assert.deepEqual(policy.rules[0]?.when, { finding: { verdict: ['malicious', 'suspicious'] }, minAlerts: 3 });
  });

  test('errors name the path of each bad field', () => {
    assert.deepEqual(issuesOf({ ...base, rules: [rule, { ...rule, name: 'b', severity: 'urgent' }] }), [
      'rules[1].severity: must be one of safe, low, medium, high, critical, unclassified',
    ]);
    assert.deepEqual(issuesOf({ ...base, rules: [{ ...rule, when: { finding: { verdict: ['malicious', 'bad'] } } }] }), [
      'rules[0].when.finding.verdict: must be a verdict or a list of verdicts (malicious, suspicious, safe, info)',
    ]);
    assert.deepEqual(issuesOf({ ...base, rules: [{ ...rule, when: { minAlerts: 0.5 } , reason: 'x' }] }), ['rules[0].when.minAlerts: must be a whole number']);
    assert.deepEqual(issuesOf({ rules: [] }), ['default: Invalid input: expected object, received undefined']);
  });

  test('unknown keys are errors, so a typo cannot silently disable a rule', () => {
    const issues = issuesOf({ ...base, rules: [{ ...rule, when: { rule_Id: '*root*' }, reason: 'root' }] });
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /^rules\[0\]\.when: Unrecognized key: "rule_Id"/);
  });

  test('reasons may only use known placeholders, and finding ones only with a finding condition', () => {
    assert.deepEqual(issuesOf({ ...base, rules: [{ ...rule, reason: '{findings}' }] }), [
      'rules[0].reason: unknown placeholder {findings}; use {alerts}, {rule_id}, {detector}, {source_severity}, {finding}, {source}, {attribute}',
    ]);
    assert.deepEqual(issuesOf({ ...base, rules: [{ ...rule, when: { rule_id: 'x' }, reason: 'seen {attribute}' }] }), [
      'rules[0].reason: {attribute} needs a "when.finding" condition to refer to',
    ]);
    assert.deepEqual(issuesOf({ default: { severity: 'low', reason: '{source}' } }), ['default.reason: {source} needs a "when.finding" condition to refer to']);
  });

  test('rule names are unique', () => {
    assert.deepEqual(issuesOf({ ...base, rules: [rule, rule] }), ['rules[1].name: duplicate rule name "r"']);
  });

  test('the shipped policy is valid', async () => {
    const { default: shipped } = await import('../policy.json', { with: { type: 'json' } });
    assert.ok(parsePolicy(shipped, 'reviewer/policy.json').rules.length >= 3);
  });
});
