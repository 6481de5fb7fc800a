/**
 * Hostile cases of the webhook emitter (run by test/corpus/corpus.test.ts): whatever text an
 * alert carries (a lone surrogate, U+2028, NUL, a mention), the body the receiver gets is the
 * report, and the signature verifies over the bytes that travel (a sender that signed a string
 * the wire encodes differently would have every such report refused, or accepted unchecked).
 */
import assert from 'node:assert/strict';
import { alertWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';
import { signWebhook, verifyWebhook } from './verify.ts';

const SECRET = 'corpus-secret-0123456789abcdef0123';
const signedRoundTrip = neutralised(({ report }) => {
  const body = JSON.stringify(report);
  const signature = signWebhook(SECRET, 1_700_000_000, body);
  const received = Buffer.from(body, 'utf8').toString('utf8');
  assert.deepEqual(verifyWebhook({ secret: SECRET, body: received, timestamp: '1700000000', signature, nowMs: 1_700_000_000_000 }), { ok: true });
  assert.deepEqual(JSON.parse(received), report);
});

hostileCase({ name: 'webhook: <!channel> and a user agent with U+2028 in the report still verify', input: alertWith({ rule_name: '<!channel>', description: 'UA: curl/8.0\u2028<!here>' }), expect: signedRoundTrip });
hostileCase({ name: 'webhook: a lone surrogate and NUL in the description still verify', input: alertWith({ description: 'a\ud800b\u0000c' }), expect: signedRoundTrip });
