/**
 * How a receiver checks an AlertWarden webhook (no dependency but node:crypto, so it can be
 * copied into any receiver). The sender signs `<timestamp>.<raw body>` with HMAC-SHA256 under
 * the shared secret and sends
 *
 *   X-AlertWarden-Timestamp: <unix seconds>
 *   X-AlertWarden-Signature: sha256=<lowercase hex>
 *
 * The receiver recomputes the HMAC over the RAW body bytes (before any JSON parsing), compares
 * in constant time, and refuses timestamps outside the replay window (default 5 minutes) so a
 * captured request cannot be replayed later. `Idempotency-Key` then de-duplicates retries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-alertwarden-signature';
export const TIMESTAMP_HEADER = 'x-alertwarden-timestamp';
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export const signWebhook = (secret: string, timestamp: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

export interface WebhookToVerify {
  secret: string;
  /** The raw request body, exactly as received. */
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs?: number;
  replayWindowSeconds?: number;
}

/**
 * @example
 * const check = verifyWebhook({ secret, body: rawBody, timestamp: req.headers['x-alertwarden-timestamp'], signature: req.headers['x-alertwarden-signature'] });
 * if (!check.ok) return res.writeHead(401).end(check.reason);
 */
export const verifyWebhook = (input: WebhookToVerify): { ok: true } | { ok: false; reason: string } => {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  const ageSeconds = Math.abs((input.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (ageSeconds > (input.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS)) return { ok: false, reason: 'timestamp outside the replay window' };
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'missing or malformed signature' };
  const expected = Buffer.from(signWebhook(input.secret, Number(timestamp), input.body));
  return timingSafeEqual(expected, Buffer.from(signature)) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
};
