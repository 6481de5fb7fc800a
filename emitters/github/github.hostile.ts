/**
 * Hostile cases of the github emitter (run by test/corpus/corpus.test.ts): the issue built
 * from the pipeline's report must not @mention, reference issues, link, embed images or HTML
 * from alert text; outside inline code spans nothing of it stays active.
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';
import { issueMarkdownOf } from './index.ts';

const inertIssue = neutralised(({ report }) => {
  const outside = issueMarkdownOf(report).replace(/`[^`\n]*`/g, '');
  assert.doesNotMatch(outside, /@[a-z]|#\d|!\[|\]\(|<img|<script|<a /i, 'active Markdown or HTML from the alert');
});

hostileCase({ name: 'github: an @team mention and an issue reference in a rule name', input: alertWith({ rule_name: '@acme/security-team see #1' }), expect: inertIssue });
hostileCase({ name: 'github: an image beacon and a backtick break-out in a user agent', input: alertWith({ description: 'UA: `x` ![p](https://evil.example/p.png) <img src=x>' }), expect: inertIssue });
hostileCase({ name: 'github: a Markdown link in a user name', input: attributeWith({ value: '[admin](https://evil.example)' }), expect: inertIssue });
