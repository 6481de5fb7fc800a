import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { describeChange, formatReportSummary, sanitizeText } from './summary.ts';
import { makeAlert, makeAttribute, makeFinding, makeReport } from './testing.ts';

const alerts = (n: number) => Array.from({ length: n }, (_, i) => makeAlert({ description: `hit ${i}` }));

describe('formatReportSummary', () => {
  const ip = makeAttribute({ value: '203.0.113.9', key: 'remote_ip' });
  const domain = makeAttribute({ type: 'domain', value: 'evil.example', depth: 1, origin: 'dns' });
  const report = makeReport({
    detector: 'guardduty',
    rule_id: 'Policy:IAMUser/RootCredentialUsage',
    rule_name: 'Root credentials used',
    version: 2,
    phase: 'final',
    alerts: alerts(15),
    attributes: [ip, domain],
    findings: [
      makeFinding({ inspector: 'blocklist', attribute: ip, title: 'listed in tor-exit-nodes', source: 'tor-exit-nodes' }),
      makeFinding({ inspector: 'whois', attribute: domain, verdict: 'suspicious', title: 'registered 2 days ago' }),
    ],
    inspectionFailures: [{ inspector: 'geo', attributeId: ip.id, error: 'InspectorTimeoutError', message: 'no answer in 10000 ms', failedAt: 't' }],
    verdict: { severity: 'critical', reason: 'root credential used' },
    previous: { version: 1, phase: 'preliminary', severity: 'high', alertCount: 1 },
  });

  test('prints every part of the report an analyst needs', () => {
    const text = formatReportSummary(report, [{ emitter: 'sns', version: 2, status: 'failed', detail: 'throttled', at: 't' }]);
    assert.equal(
      text,
      [
        `Report ${report.id}: version 2 (final)`,
        'Rule: guardduty / Policy:IAMUser/RootCredentialUsage (Root credentials used)',
        'Alerts aggregated: 15',
        'Severity: critical: root credential used',
        'Change since version 1: raised from high to critical: 14 more alerts aggregated',
        'Attributes (2):',
        '  ipaddr=203.0.113.9 (key remote_ip)',
        '  domain=evil.example (discovered by dns, depth 1)',
        'Findings (2):',
        '  blocklist:',
        '    malicious: ipaddr=203.0.113.9 listed in tor-exit-nodes [tor-exit-nodes]',
        '  whois:',
        '    suspicious: domain=evil.example registered 2 days ago',
        'Inspection failures (1):',
        '  geo on ipaddr=203.0.113.9: InspectorTimeoutError: no answer in 10000 ms',
        'Emissions (1):',
        '  v2 sns: failed (throttled)',
      ].join('\n'),
    );
  });

  test('an emission detail made of steps (quarantine) is listed one step a line, each sanitised', () => {
    const detail = 'dry-run: planned ec2:CreateTags i-0abc (x); planned ec2:CreateSnapshot vol-1 <!channel>';
    const text = formatReportSummary(report, [{ emitter: 'quarantine', version: 2, status: 'delivered', detail, at: 't' }]);
    assert.match(text, /^Emissions \(1\):\n  v2 quarantine: delivered:\n    - dry-run: planned ec2:CreateTags i-0abc \(x\)\n    - planned ec2:CreateSnapshot vol-1 ‹!channel>$/m);
  });

  test('says so when nothing is known yet', () => {
    const text = formatReportSummary(makeReport());
    assert.match(text, /^Severity: not reviewed yet$/m);
    assert.match(text, /^Attributes: none$/m);
    assert.match(text, /^Findings: none$/m);
    assert.doesNotMatch(text, /Change|Emissions/);
  });

  test('cuts long sections', () => {
    const many = Array.from({ length: 30 }, (_, i) => makeAttribute({ value: `198.51.100.${i}` }));
    const text = formatReportSummary(makeReport({ attributes: many }));
    assert.match(text, /^Attributes \(30\):$/m);
    assert.match(text, /^ {2}… 10 more lines$/m);
    assert.doesNotMatch(text, /198\.51\.100\.20\b/);
  });

  test('neutralises hostile strings and never prints the alert body', () => {
    const hostile = makeReport({
      rule_id: 'rule\n\u001b[2Jfake line',
      alerts: [makeAlert({ body: { password: 'hunter2' } })],
      attributes: [makeAttribute({ type: 'username', value: 'admin\u202Etxt.exe' })],
      verdict: { severity: 'low', reason: 'a\u0085b\u009bc' },
    });
    const text = formatReportSummary(hostile);
    const benign = makeReport({ attributes: [makeAttribute({ type: 'username' })], verdict: { severity: 'low', reason: 'x' } });
    assert.equal(text.split('\n').length, formatReportSummary(benign).split('\n').length, 'no smuggled line breaks');
    assert.match(text, /^Rule: example-detector \/ rule \[2Jfake line$/m);
    assert.match(text, /username=admintxt\.exe/);
    assert.match(text, /Severity: low: a bc$/m);
    assert.doesNotMatch(text, /hunter2/);
  });
});

describe('describeChange', () => {
  const changed = (from: 'high' | 'medium' | 'critical', to: 'high' | 'unclassified' | 'low', before: number, now: number) =>
    describeChange(makeReport({ alerts: alerts(now), verdict: { severity: to, reason: 'r' }, previous: { version: 1, phase: 'preliminary', severity: from, alertCount: before } }));

  test('lowered, unchanged and same-rank changes', () => {
    assert.equal(changed('critical', 'low', 3, 4), 'lowered from critical to low: 1 more alert aggregated');
    assert.equal(changed('high', 'high', 3, 3), 'unchanged at high: no new alerts');
    assert.equal(changed('medium', 'unclassified', 1, 2), 'changed from medium to unclassified: 1 more alert aggregated');
  });

  test('is undefined for a first report', () => {
    assert.equal(describeChange(makeReport({ verdict: { severity: 'low', reason: 'r' } })), undefined);
  });
});

describe('sanitizeText', () => {
  test('removes C0, C1 and bidi controls, turns line breaks into spaces, defuses chat mentions, cuts long text', () => {
    assert.equal(sanitizeText('a\u0000b\u007fc\u0090d\u202ae\u2066f\u2069g'), 'abcdefg');
    assert.equal(sanitizeText('one\r\ntwo\tthree'), 'one two three');
    assert.equal(sanitizeText('x'.repeat(500), 10), `${'x'.repeat(9)}…`);
    assert.equal(sanitizeText('<!channel> <@U123> <#C9> <b>'), '‹!channel> ‹@U123> ‹#C9> <b>');
    assert.equal(sanitizeText('<https://evil.example|your bank> [click](https://evil.example)'), '‹https://evil.example|your bank> [click] (https://evil.example)');
    assert.equal(sanitizeText('@channel @Here @everyone bob@here.example @chan'), '＠channel ＠Here ＠everyone bob@here.example @chan');
    assert.equal(sanitizeText('adm\u200bin\u2060\ufeff'), 'admin');
  });
});

describe('unverified attribute notes', () => {
  test('each note is shown once, escaped, with its reason; a report without notes has no such section', () => {
    const note = { type: 'aws_access_key_id', key: 'access_key_id', value: 'Generated\u202eFindingAccessKeyId', reason: 'value is not an access key id (AKIA…/ASIA…)' };
    const summary = formatReportSummary(makeReport({ alerts: [makeAlert({ unverified: [note] }), makeAlert({ unverified: [note], description: 'again' })] }));
    assert.match(summary, /^Unverified attributes \(not inspected\) \(1\):\n {2}aws_access_key_id access_key_id=GeneratedFindingAccessKeyId: value is not an access key id \(AKIA…\/ASIA…\)$/m);
    assert.doesNotMatch(formatReportSummary(makeReport()), /Unverified/);
  });
});
