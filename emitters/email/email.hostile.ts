/**
 * Hostile cases of the email emitter (run by test/corpus/corpus.test.ts): the e-mail built
 * from the pipeline's report holds only AlertWarden's own markup, and a subject without line
 * breaks (no header injection).
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';
import { emailOf } from './index.ts';

const OWN_TAGS = new Set(['!doctype', 'html', 'body', 'h2', 'pre', 'p', 'a', '/html', '/body', '/h2', '/pre', '/p', '/a']);
const inertEmail = neutralised(({ report }) => {
  const { subject, html } = emailOf(report, 'https://soc.example/r');
  assert.doesNotMatch(subject, /[\r\n]/);
  const tags = [...html.matchAll(/<([!/]?[a-z0-9]+)/gi)].map((m) => m[1]!.toLowerCase());
  assert.deepEqual(tags.filter((t) => !OWN_TAGS.has(t)), [], 'markup from the alert in the HTML body');
});

hostileCase({ name: 'email: a script tag and a header break in a rule name', input: alertWith({ rule_name: '<script>alert(1)</script>\r\nBcc: all@example.com' }), expect: inertEmail });
hostileCase({ name: 'email: an image beacon in a user agent', input: alertWith({ description: 'userAgent: <img src="https://evil.example/p.png">' }), expect: inertEmail });
hostileCase({ name: 'email: an anchor in a user name', input: attributeWith({ value: '<a href="https://evil.example">admin</a>' }), expect: inertEmail });
