import assert from 'node:assert/strict';
import { test } from 'vitest';
import { makeAlert, makeAttribute, makeFinding, makeReport } from '../../core/testing.ts';
import { SLACK_LIMITS, slackLiteral, slackMessageOf, type SlackBlock } from './message.ts';

/** Every text in the message; `plain` for plain_text objects, which Slack shows without parsing. */
const textEntries = (value: unknown, plain = false): { text: string; plain: boolean }[] => {
  if (Array.isArray(value)) return value.flatMap((v) => textEntries(v));
  if (!value || typeof value !== 'object') return [];
  const isPlain = (value as { type?: string }).type === 'plain_text';
  return Object.entries(value).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [{ text: v, plain: isPlain || plain }] : textEntries(v)));
};
const textsOf = (value: unknown) => textEntries(value).map((e) => e.text);

/** Slack turns these into mentions or links; `*`, `_`, `~` outside inline code into formatting. */
const SLACK_CONTROL = /<[!@#]|<https?:|<mailto:|<[a-z]+:\/\//i;
const outsideCode = (text: string) => text.replace(/`[^`]*`/g, '');

const HOSTILE = '<!channel> <!here> <@U0ADMIN> <#C0GENERAL> <https://evil.example|click me> *bold* _it_ ~gone~ `x` [a](https://evil.example) @here';

test('attacker-chosen rule name, user agent, entity and finding title cannot mention, link or format', () => {
  const report = makeReport({
    rule_id: `rule ${HOSTILE}`,
    rule_name: `<!channel> ${HOSTILE}`,
    alerts: [makeAlert({ description: `login from user agent: Mozilla/5.0 ${HOSTILE}` })],
    attributes: [makeAttribute({ type: 'username', key: HOSTILE, value: `alice${HOSTILE}` })],
    findings: [makeFinding({ inspector: 'blocklist', title: HOSTILE, source: HOSTILE })],
    verdict: { severity: 'critical', reason: `reason ${HOSTILE}` },
  });
  const message = slackMessageOf(report);
  const entries = textEntries(message);
  const texts = entries.map((e) => e.text);
  assert.ok(texts.length > 8, `found ${texts.length} texts`);
  for (const { text, plain } of entries) {
    assert.doesNotMatch(text, SLACK_CONTROL, text);
    if (!plain) assert.doesNotMatch(outsideCode(text), /\*bold\*|_it_|~gone~|\]\(|@here/, text);
  }
  // Still readable: the values are there, shown literally.
  assert.ok(texts.some((t) => t.includes('Mozilla/5.0')));
});

test('slackLiteral keeps a value verbatim inside one code span that it cannot close', () => {
  assert.equal(slackLiteral('a`b<c>&d'), '`aˋb&lt;c&gt;&amp;d`');
  assert.equal(slackLiteral(''), '`(empty)`');
});

test('Block Kit limits: 600 findings and 300 entities fit in 50 blocks of at most 3,000 characters, with a marker for what is cut', () => {
  const attributes = Array.from({ length: 300 }, (_, n) => makeAttribute({ type: 'ipaddr', value: `198.51.${n >> 8}.${n & 255}` }));
  const findings = Array.from({ length: 600 }, (_, n) => makeFinding({ title: `finding ${n} ${'x'.repeat(200)}` }));
  const report = makeReport({ rule_name: 'r'.repeat(400), attributes, findings, verdict: { severity: 'high', reason: 'y'.repeat(5000) } });
  const { attachments, text } = slackMessageOf(report, { reportUrl: 'https://soc.example/reports/1?v=1' });
  const blocks = attachments[0]!.blocks;
  const sections = blocks.filter((b) => b.type === 'section' && (b as { text?: unknown }).text) as (SlackBlock & { text: { text: string } })[];
  const longest = Math.max(...sections.map((b) => b.text.text.length));
  const header = (blocks[0] as unknown as { text: { text: string } }).text.text;
  assert.ok(blocks.length <= SLACK_LIMITS.blocks, `${blocks.length} blocks`);
  assert.ok(longest <= SLACK_LIMITS.sectionText, `a section of ${longest} characters`);
  assert.ok(header.length <= SLACK_LIMITS.headerText, `header of ${header.length}`);
  assert.ok(text.length <= SLACK_LIMITS.fallbackText);
  const all = sections.map((b) => b.text.text).join('\n');
  assert.match(all, /\*Findings \(600\)\*/);
  assert.match(all, /more not shown \(truncated\): see the full report/);
  assert.match(all, /<https:\/\/soc\.example\/reports\/1\?v=1\|Full report, version 1>/, 'the link survives truncation');
});

test('severity sets the colour and the header; an update says what changed', () => {
  const report = makeReport({
    version: 2,
    phase: 'final',
    alerts: Array.from({ length: 3 }, () => makeAlert()),
    verdict: { severity: 'critical', reason: 'root' },
    previous: { version: 1, phase: 'preliminary', severity: 'high', alertCount: 1 },
  });
  const { attachments, text } = slackMessageOf(report, { update: true });
  assert.equal(attachments[0]!.color, '#8b0000');
  assert.equal(text, 'Update: CRITICAL: `example-rule`, 3 alerts');
  assert.ok(textsOf(attachments).includes('*Change since version 1*\nraised from high to critical: 2 more alerts aggregated'));
});
