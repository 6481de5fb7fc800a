/**
 * Prototype pollution. The top-level object is strict, so such keys are refused; in an attribute
 * they make it an unverified note;
 * inside `body` (free JSON) they are data: kept as own keys, and Object.prototype untouched
 * (the corpus test also checks the latter once for the whole run).
 */
import assert from 'node:assert/strict';
import { alertWithJson, hostileCase, neutralised, rejected, unverified } from '../registry.ts';

const keptAsData = (key: string) =>
  neutralised(({ report }) => {
    const body = report.alerts[0]?.body as Record<string, unknown>;
    assert.ok(Object.hasOwn(body, key), `${key} is kept as an own key of the body`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

hostileCase({ name: '__proto__ at the top level', input: alertWithJson('__proto__', '{"polluted":true}'), expect: rejected('', 'Unrecognized key: "__proto__"') });
hostileCase({ name: 'constructor.prototype at the top level', input: alertWithJson('constructor', '{"prototype":{"polluted":true}}'), expect: rejected('', 'Unrecognized key: "constructor"') });
hostileCase({
  name: '__proto__ inside an attribute',
  input: alertWithJson('attributes', '[{"type":"username","key":"u","value":"alice","__proto__":{"polluted":true}}]'),
  expect: unverified('Unrecognized key: "__proto__"'),
});
hostileCase({ name: '__proto__ inside body', input: alertWithJson('body', '{"__proto__":{"polluted":true}}'), expect: keptAsData('__proto__') });
hostileCase({
  // The SDK's DynamoDB marshaller throws on this shape; it used to send the alert to the dead-letter queue.
  name: 'constructor.prototype inside body',
  input: alertWithJson('body', '{"constructor":{"prototype":{"polluted":true}}}'),
  expect: keptAsData('constructor'),
});
hostileCase({
  name: 'Object.prototype method names inside body',
  input: alertWithJson('body', '{"toString":"x","hasOwnProperty":"y","valueOf":1,"toJSON":"z"}'),
  expect: neutralised(({ report }) => assert.deepEqual(Object.keys(report.alerts[0]?.body as object), ['toString', 'hasOwnProperty', 'valueOf', 'toJSON'])),
});
