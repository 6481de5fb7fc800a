/**
 * Deep nesting. JSON.parse copes, but zod, JSON.stringify and canonical hashing recurse: past
 * 32 levels the message is refused, naming the top-level field, instead of overflowing the
 * stack (which used to look transient and end in the dead-letter queue).
 */
import assert from 'node:assert/strict';
import { alertWithJson, hostileCase, neutralised, rejected } from '../registry.ts';

const tooDeep = (field: string) => rejected(field, 'JSON nests deeper than 32 levels');
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

hostileCase({ name: '100,000 nested arrays in body (200 KB)', input: alertWithJson('body', nestedArrays(100_000)), expect: tooDeep('body') });
hostileCase({ name: '10,000 nested objects in body', input: alertWithJson('body', nestedObjects(10_000)), expect: tooDeep('body') });
hostileCase({ name: 'body one level past the limit', input: alertWithJson('body', nestedObjects(32)), expect: tooDeep('body') });
hostileCase({ name: 'deep nesting under an unknown field', input: alertWithJson('extra', nestedArrays(5_000)), expect: tooDeep('extra') });
hostileCase({
  // DynamoDB refuses maps nested past 32 levels; members are stored as JSON text, so this is kept whole.
  name: 'body nested 30 levels (allowed) is kept whole',
  input: alertWithJson('body', nestedObjects(30)),
  expect: neutralised(({ report }) => assert.equal(JSON.stringify(report.alerts[0]?.body), nestedObjects(30))),
});
