/**
 * Text that attacks whoever reads it: terminals, chat, people. Identifiers (hashed into the
 * alert id, NUL-separated) refuse control characters; display text is accepted and defused
 * in the summary (core/summary.ts sanitizeText), and kept verbatim in the JSON report.
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised, rejected, unverified } from '../registry.ts';

const shows = (...parts: (string | RegExp)[]) =>
  neutralised(({ summary }) => {
    for (const part of parts) {
      if (typeof part === 'string') assert.ok(summary.includes(part), `summary shows ${JSON.stringify(part)}:\n${summary}`);
      else assert.match(summary, part);
    }
  });

hostileCase({ name: 'NUL in detector', input: alertWith({ detector: 'guard\u0000duty' }), expect: rejected('detector', 'detector must not contain control characters') });
hostileCase({
  // ("a\0b","c") and ("a","b\0c") hashed to the same alert id: another tool's alerts could join this report.
  name: 'NUL in rule_id forging an alert-id collision',
  input: alertWith({ detector: 'corpus', rule_id: 'hostile-input\u0000x' }),
  expect: rejected('rule_id', 'rule_id must not contain control characters'),
});
hostileCase({ name: 'line break in alert_key', input: alertWith({ alert_key: 'host-1\nhost-2' }), expect: rejected('alert_key', 'alert_key must not contain control characters') });
hostileCase({ name: 'ANSI escapes in rule_name (clear screen, red)', input: alertWith({ rule_name: '\u001b[2J\u001b[1;31mALL CLEAR\u001b[0m' }), expect: shows('[2J[1;31mALL CLEAR[0m') });
hostileCase({ name: 'carriage return overwriting the line', input: alertWith({ rule_name: 'root login\rno action needed' }), expect: shows('(root login no action needed)') });
hostileCase({
  name: 'NUL and DEL in description (kept verbatim in the JSON report)',
  input: alertWith({ description: 'a\u0000b\u007fc' }),
  expect: neutralised(({ report }) => assert.equal(report.alerts[0]?.description, 'a\u0000b\u007fc')),
});
hostileCase({ name: 'bidi override in a user name', input: attributeWith({ value: 'admin\u202egpj.exe' }), expect: shows('username=admingpj.exe') });
hostileCase({ name: 'bidi isolate in rule_name', input: alertWith({ rule_name: 'safe\u2067 evil\u2069', attributes: [{ type: 'username', key: 'k', value: 'bob' }] }), expect: shows('(safe evil)', 'username=bob (key k)') });
// Identifiers select the report and the policy rule: what renders as nothing is refused there, not just hidden (issue 8).
const invisible = (path: string, codePoint: string, index: number) =>
  rejected(path, `${path.replace(/^attributes\[0\]\./, '')} contains ${codePoint} (an invisible or formatting character) at index ${index}`);
hostileCase({ name: 'zero-width space in rule_id slipping past the root policy rule', input: alertWith({ rule_id: 'ro\u200bot-console-login' }), expect: invisible('rule_id', 'U+200B', 2) });
hostileCase({ name: 'soft hyphen in detector', input: alertWith({ detector: 'guard\u00adduty' }), expect: invisible('detector', 'U+00AD', 5) });
hostileCase({ name: 'tag characters in alert_key', input: alertWith({ alert_key: 'host-1\u{e0068}\u{e0069}' }), expect: invisible('alert_key', 'U+E0068', 6) });
hostileCase({ name: 'Hangul filler in rule_id', input: alertWith({ rule_id: 'root\u3164login' }), expect: invisible('rule_id', 'U+3164', 4) });
// One bad attribute does not cost the alert (sources/): the key is refused, the attribute kept as a note, never inspected.
hostileCase({ name: 'bidi controls in an attribute key', input: attributeWith({ key: 'k\u202d\u202c' }), expect: unverified(/key contains U\+202D \(an invisible or formatting character\) at index 1$/) });
hostileCase({
  name: 'full-width rule_id is normalised (NFKC) and meets the root policy rule',
  input: alertWith({ rule_id: 'ｒｏｏｔ-console-login' }),
  expect: neutralised(({ report }) => {
    assert.equal(report.rule_id, 'root-console-login');
    assert.equal(report.verdict?.severity, 'critical');
  }),
});
hostileCase({ name: 'soft hyphen, tag characters and a Hangul filler in a user name', input: attributeWith({ value: 'ad\u00adm\u{e0069}i\u3164n' }), expect: shows('username=admin ') });
hostileCase({
  name: 'Unicode line separators in a user name (JSONL stays one line per report)',
  input: attributeWith({ value: 'alice\u2028INFO admin\u2029x\u0085y' }),
  expect: shows('username=alice INFO admin x y '),
});
hostileCase({ name: 'zero-width space making admin look like admin', input: attributeWith({ value: 'adm\u200bin' }), expect: shows('username=admin ') });
hostileCase({ name: 'Slack <!channel> in rule_name', input: alertWith({ rule_name: '<!channel> rotate your keys now' }), expect: shows('‹!channel> rotate') });
hostileCase({ name: 'Slack <!here> in a user name', input: attributeWith({ value: '<!here>' }), expect: shows('username=‹!here>') });
hostileCase({ name: 'Slack user mention in an attribute key', input: attributeWith({ key: '<@U024BE7LH>' }), expect: shows('key ‹@U024BE7LH>') });
hostileCase({ name: 'Slack disguised link <https://evil|click>', input: alertWith({ rule_name: '<https://evil.example/reset|Reset your SSO password>' }), expect: shows('‹https://evil.example/reset|Reset') });
hostileCase({ name: 'Markdown disguised link', input: alertWith({ rule_name: '[aws.amazon.com](https://evil.example)' }), expect: shows('[aws.amazon.com] (https://evil.example)') });
hostileCase({ name: 'bare @everyone in a user name', input: attributeWith({ value: '@everyone' }), expect: shows('username=＠everyone') });
hostileCase({ name: 'rule_name of 1,024 characters is cut in the summary', input: alertWith({ rule_name: 'r'.repeat(1024) }), expect: shows(/\(r{299}…\)/) });
hostileCase({ name: 'user name of 2,048 characters is cut in the summary', input: attributeWith({ value: 'u'.repeat(2048) }), expect: shows(/username=u{299}… /) });
hostileCase({
  name: 'alert_key of 1,024 bytes still gives a short report id',
  input: alertWith({ alert_key: 'k'.repeat(1024) }),
  expect: neutralised(({ report }) => assert.ok(report.id.length <= 80, 'the report id is also an execution name (80 characters at most)')),
});
hostileCase({
  name: 'lone surrogate in rule_name',
  input: { message: JSON.stringify({ detector: 'corpus', rule_id: 'hostile-input', alert_key: 'lone-surrogate', rule_name: 'x\ud800y' }) },
  expect: neutralised(({ report }) => assert.ok(report.rule_name?.startsWith('x'))),
});
