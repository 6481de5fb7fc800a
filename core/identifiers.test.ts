import assert from 'node:assert/strict';
import { test } from 'vitest';
import { AlertSchema } from './alert.ts';
import { alertIdOf } from './ids.ts';
import { invisibleCharacterIn, normalizeIdentifier } from './identifiers.ts';

test('invisible and formatting characters are named with their code point and position', () => {
  const cases: [string, string][] = [
    ['ro\u200bot-console-login', 'U+200B'], // zero-width space
    ['ro\u00adot', 'U+00AD'], // soft hyphen
    ['root\u202e', 'U+202E'], // bidi override
    ['root\u2066x\u2069', 'U+2066'], // bidi isolate
    ['ro\u200dot', 'U+200D'], // zero-width joiner
    ['root\u{e0041}', 'U+E0041'], // tag character
    ['\ufeffroot', 'U+FEFF'], // byte order mark
    ['ro\u3164ot', 'U+3164'], // Hangul filler
    ['root\u2028x', 'U+2028'], // line separator
    ['root\u0085', 'U+0085'], // NEL (C1 control)
    ['ro\ud800ot', 'U+D800'], // lone surrogate
    ['ro\ufe0fot', 'U+FE0F'], // variation selector
  ];
  for (const [text, codePoint] of cases) {
    const why = invisibleCharacterIn(text);
    assert.ok(why?.startsWith(`contains ${codePoint} `), `${JSON.stringify(text)}: ${why}`);
  }
  assert.match(invisibleCharacterIn('ro\u200bot')!, /at index 2$/);
  for (const fine of ['root-console-login', 'Policy:IAMUser/RootCredentialUsage', 'ÄÖÜ-ß', '日本語', 'a b']) {
    assert.equal(invisibleCharacterIn(fine), undefined, fine);
  }
});

test('NFKC: what reads the same is the same', () => {
  assert.equal(normalizeIdentifier('ｒｏｏｔ-console-login'), 'root-console-login'); // full-width
  assert.equal(normalizeIdentifier('ﬁle-access'), 'file-access'); // ligature
  assert.equal(normalizeIdentifier('Cafe\u0301'), 'Café'); // combining accent -> precomposed
  assert.equal(normalizeIdentifier('root\u00a0login'), 'root login'); // no-break space
});

test('the alert schema refuses invisible characters in identifiers and attribute keys, and normalises the rest', () => {
  const refused = AlertSchema.safeParse({ detector: 'cloudtrail', rule_id: 'ro\u200bot-console-login' });
  assert.equal(refused.success, false);
  assert.deepEqual(
    refused.error!.issues.map((i) => [i.path.join('.'), i.message]),
    [['rule_id', 'rule_id contains U+200B (an invisible or formatting character) at index 2']],
  );
  const key = AlertSchema.safeParse({ detector: 'd', rule_id: 'r', attributes: [{ type: 'username', key: 'us\u00ader', value: 'alice' }] });
  assert.deepEqual(key.error?.issues.map((i) => [i.path.join('.'), i.message]), [['attributes.0.key', 'key contains U+00AD (an invisible or formatting character) at index 2']]);

  const wide = AlertSchema.parse({ detector: 'ｃｌｏｕｄｔｒａｉｌ', rule_id: 'ｒｏｏｔ-console-login', alert_key: 'ﬁle', attributes: [{ type: 'username', key: 'ｕｓｅｒ', value: 'alice' }] });
  assert.deepEqual([wide.detector, wide.rule_id, wide.alert_key, wide.attributes[0]!.key], ['cloudtrail', 'root-console-login', 'file', 'user']);
  // Same alert id, so both aggregate into one report.
  assert.equal(alertIdOf(wide), alertIdOf({ detector: 'cloudtrail', rule_id: 'root-console-login', alert_key: 'file' }));
});
