import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { Report } from '../../core/report.ts';
import { makeAlert, makeAttribute, makeFinding, makeReport } from '../../core/testing.ts';
import { compilePolicy, evaluatePolicy, globToRegExp, renderReason } from './evaluate.ts';
import { parsePolicy, type PolicyInput } from './schema.ts';

const evaluate = (policy: PolicyInput, report: Report) => evaluatePolicy(compilePolicy(parsePolicy(policy, 'test')), report);
const fallback = { severity: 'unclassified', reason: 'default for {rule_id}' } as const;
const ip = makeAttribute({ value: '203.0.113.9' });
const listed = makeFinding({ inspector: 'blocklist', attribute: ip, title: 'listed in tor', source: 'tor' });
const alerts = (n: number) => Array.from({ length: n }, (_, i) => makeAlert({ description: `${i}` }));

describe('globToRegExp', () => {
  test('* matches any run, everything else is literal, case is ignored', () => {
    const glob = globToRegExp('*Root*.x');
    assert.equal(glob.test('Policy:IAMUser/RootCredentialUsage.x'), true);
    assert.equal(glob.test('root.x'), true);
    assert.equal(glob.test('rootAx'), false, '. is literal');
    assert.equal(glob.test('root.x.y'), false, 'anchored');
    assert.equal(globToRegExp('a(b)[c]+').test('a(b)[c]+'), true);
  });
});

describe('evaluatePolicy', () => {
  test('source_severity matches a level, or any of a list, on any alert of the report', () => {
    const rules: PolicyInput['rules'] = [
      { name: 'hot', when: { source_severity: ['high', 'critical'] }, severity: 'high', reason: 'rated {source_severity}' },
      { name: 'cold', when: { source_severity: 'low' }, severity: 'low', reason: 'rated {source_severity}' },
    ];
    const withLevels = (...levels: ('low' | 'high' | 'critical')[]) =>
      makeReport({ alerts: [makeAlert(), ...levels.map((level, i) => makeAlert({ description: `${i}`, source_severity: { level, raw: `raw-${level}` } }))] });
    assert.deepEqual(evaluate({ default: fallback, rules }, withLevels('low', 'critical')), { severity: 'high', reason: 'rated critical (raw-critical)', rule: 'hot' });
    assert.deepEqual(evaluate({ default: fallback, rules }, withLevels('low')), { severity: 'low', reason: 'rated low (raw-low)', rule: 'cold' });
    assert.equal(evaluate({ default: fallback, rules }, withLevels()).severity, 'unclassified', 'no source severity, no match');
    assert.equal(renderReason('{source_severity}', withLevels()), 'none');
  });

  test('no match gives the default, with placeholders filled', () => {
    const outcome = evaluate({ default: fallback, rules: [{ name: 'n', when: { rule_id: 'other' }, severity: 'low', reason: 'x' }] }, makeReport({ rule_id: 'r1' }));
    assert.deepEqual(outcome, { severity: 'unclassified', reason: 'default for r1' });
  });

  test('the highest severity wins wherever it is written; ties go to the first rule', () => {
    const policy: PolicyInput = {
      default: fallback,
      rules: [
        { name: 'low-any', when: {}, severity: 'low', reason: 'low' },
        { name: 'medium-a', when: { detector: 'guard*' }, severity: 'medium', reason: 'medium a' },
        { name: 'medium-b', when: {}, severity: 'medium', reason: 'medium b' },
        { name: 'critical-root', when: { rule_id: '*root*' }, severity: 'critical', reason: 'critical' },
      ],
    };
    assert.deepEqual(evaluate(policy, makeReport({ detector: 'guardduty', rule_id: 'RootLogin' })), { severity: 'critical', reason: 'critical', rule: 'critical-root' });
    assert.deepEqual(evaluate(policy, makeReport({ detector: 'guardduty' })), { severity: 'medium', reason: 'medium a', rule: 'medium-a' });
    assert.deepEqual(evaluate(policy, makeReport({ detector: 'falco' })), { severity: 'medium', reason: 'medium b', rule: 'medium-b' });
  });

  test('unclassified ranks with medium, so the earlier of the two wins', () => {
    const policy: PolicyInput = {
      default: fallback,
      rules: [
        { name: 'u', when: {}, severity: 'unclassified', reason: 'u' },
        { name: 'm', when: {}, severity: 'medium', reason: 'm' },
      ],
    };
    assert.equal(evaluate(policy, makeReport()).severity, 'unclassified');
  });

  test('finding conditions: inspector, verdict or verdicts, source glob; all must hold on one finding', () => {
    const report = makeReport({
      findings: [makeFinding({ inspector: 'whois', verdict: 'suspicious', title: 'young domain' }), listed],
    });
    const severityFor = (finding: NonNullable<PolicyInput['rules']>[number]['when']['finding']) =>
      evaluate({ default: fallback, rules: [{ name: 'r', when: { finding }, severity: 'high', reason: '{finding}' }] }, report).reason;
    assert.equal(severityFor({ verdict: 'malicious' }), 'listed in tor');
    assert.equal(severityFor({ verdict: ['safe', 'suspicious'] }), 'young domain');
    assert.equal(severityFor({ inspector: 'blocklist', source: 'T*' }), 'listed in tor');
    assert.equal(severityFor({ inspector: 'whois', verdict: 'malicious' }), 'default for example-rule', 'conditions hold on the same finding');
    assert.equal(severityFor({ source: 'whois' }), 'default for example-rule', 'a finding without source never matches a source glob');
  });

  test('minAlerts counts aggregated alerts', () => {
    const policy: PolicyInput = { default: fallback, rules: [{ name: 'burst', when: { minAlerts: 10 }, severity: 'high', reason: '{alerts} alerts' }] };
    assert.equal(evaluate(policy, makeReport({ alerts: alerts(9) })).severity, 'unclassified');
    assert.deepEqual(evaluate(policy, makeReport({ alerts: alerts(10) })), { severity: 'high', reason: '10 alerts', rule: 'burst' });
  });
});

describe('renderReason', () => {
  test('fills every placeholder and leaves unknown braces alone', () => {
    const report = makeReport({ detector: 'gd', rule_id: 'R', alerts: alerts(3) });
    assert.equal(renderReason('{alerts} {rule_id} {detector} {finding} {source} {attribute} {other}', report, listed), '3 R gd listed in tor tor 203.0.113.9 {other}');
    assert.equal(renderReason('{source}', report, makeFinding({ inspector: 'whois' })), 'whois', 'source falls back to the inspector');
  });
});
