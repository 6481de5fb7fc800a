import assert from 'node:assert/strict';
import { test } from 'vitest';
import { pagesNow } from './review.ts';

test('the fast path pages at the threshold, once per level: repeats wait for the final update, escalations page', () => {
  assert.equal(pagesNow('high', undefined, 'high'), true);
  assert.equal(pagesNow('medium', undefined, 'high'), false);
  assert.equal(pagesNow('high', 'high', 'high'), false, 'already paged at high');
  assert.equal(pagesNow('critical', 'high', 'high'), true, 'escalation pages at once');
  assert.equal(pagesNow('high', 'critical', 'high'), false);
  assert.equal(pagesNow('high', 'unclassified', 'high'), true, 'first urgent verdict after a quiet one');
  assert.equal(pagesNow('low', undefined, 'low'), true);
});
