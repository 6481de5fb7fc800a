/**
 * Size limits. The alert topic (SNS) caps a message at 256 KiB, so anything bigger is refused
 * before it is parsed (the reason gives its size; a parse error would mean heavy work was
 * done first); below that, the contract's own limits name the field.
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised, rejected, unverified } from '../registry.ts';

const tooBig = rejected('', /^the message body is \d+ bytes; at most 262144 are accepted$/);
const ip = (n: number) => ({ type: 'ipaddr', key: `k${n}`, value: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });

hostileCase({ name: '10 MB body through SNS', input: alertWith({ body: { blob: 'A'.repeat(10 * 1024 * 1024) } }), expect: tooBig });
hostileCase({ name: '10 MB raw SQS body that is not even JSON', input: { sqsBody: 'x'.repeat(10 * 1024 * 1024) }, expect: tooBig });
hostileCase({ name: '10,000 attributes (450 KB)', input: alertWith({ attributes: Array.from({ length: 10_000 }, (_, n) => ip(n)) }), expect: tooBig });
hostileCase({
  name: '10,000 empty attributes under the size cap',
  input: alertWith({ attributes: Array.from({ length: 10_000 }, () => ({})) }),
  expect: rejected('attributes', 'at most 100 attributes are accepted'),
});
hostileCase({ name: '101 valid attributes', input: alertWith({ attributes: Array.from({ length: 101 }, (_, n) => ip(n)) }), expect: rejected('attributes', 'at most 100 attributes are accepted') });
hostileCase({
  // 100 attributes x 10 problems each: 100 notes, each reason bounded, so the alert stays readable and storable.
  name: '1,000 problems in one alert',
  input: alertWith({ attributes: Array.from({ length: 100 }, () => ({ type: 'ip', key: '', value: '', context: Array(7).fill('anywhere') })) }),
  expect: neutralised(({ report }) => {
    const notes = report.alerts[0]?.unverified ?? [];
    assert.equal(notes.length, 100);
    for (const note of notes) assert.ok(note.reason.length <= 300, `a reason of ${note.reason.length} characters`);
    assert.deepEqual(report.attributes, []);
  }),
});
hostileCase({ name: 'body over 64 KB', input: alertWith({ body: { blob: 'B'.repeat(70_000) } }), expect: rejected('body', 'body must serialise to at most 65536 bytes of JSON') });
hostileCase({ name: 'detector of 1,025 bytes', input: alertWith({ detector: 'd'.repeat(1025) }), expect: rejected('detector', 'detector must be at most 1024 bytes') });
hostileCase({
  name: 'detector of 400 characters but 1,200 bytes (multi-byte)',
  input: alertWith({ detector: '€'.repeat(400) }),
  expect: rejected('detector', 'detector must be at most 1024 bytes'),
});
hostileCase({ name: 'rule_name of 1,025 characters', input: alertWith({ rule_name: 'n'.repeat(1025) }), expect: rejected('rule_name', 'rule_name must be at most 1024 characters') });
hostileCase({ name: 'description of 4,097 characters', input: alertWith({ description: 'x'.repeat(4097) }), expect: rejected('description', 'description must be at most 4096 characters') });
hostileCase({ name: 'attribute value of 2,049 characters', input: attributeWith({ value: 'a'.repeat(2049) }), expect: unverified('value must be at most 2048 characters') });
hostileCase({ name: 'attribute key of 257 characters', input: attributeWith({ key: 'k'.repeat(257) }), expect: unverified('key must be at most 256 characters') });
hostileCase({
  name: 'nine contexts on one attribute',
  input: attributeWith({ context: ['remote', 'local', 'subject', 'object', 'client', 'server', 'file', 'additional', 'remote'] }),
  expect: unverified('context: Too big: expected array to have <=8 items'),
});
