/**
 * Signed webhook: POSTs each report version as JSON to a URL of your choice, signed with
 * HMAC-SHA256 over timestamp + body (see ./verify.ts for the receiver's side), with an
 * `Idempotency-Key` that is the same on every retry of the same version.
 */
import { ConfigError } from '../../core/errors.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { deliveredKeys, filterFromEnv, notifyDecision, postJson, withDelivered, withRetries, type NotifyFilter, type RetryOptions } from '../notify.ts';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify.ts';

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

export interface WebhookEmitterOptions {
  /** SSM parameter name of the receiver's URL: receiver URLs often carry a token of their own. */
  urlParameter: string;
  /** SSM parameter name of the shared signing secret. */
  secretParameter: string;
  filter: NotifyFilter;
  retry?: RetryOptions;
  now?: () => number;
}

/** Minimum signing secret length: HMAC keys much shorter than the hash are guessable offline. */
const MIN_SECRET_CHARS = 32;

/**
 * @example
 * createWebhookEmitter({ urlParameter: '/alertwarden/prod/webhook-url', secretParameter: '/alertwarden/prod/webhook-secret', filter: { minSeverity: 'safe', rules: [], excludeRules: [] } })
 */
export const createWebhookEmitter = (options: WebhookEmitterOptions): Emitter =>
  defineEmitter({
    name: 'webhook',
    async emit(report, ctx) {
      const state = (await ctx.state.get()) ?? {};
      const key = ctx.idempotencyKey;
      if (deliveredKeys(state).includes(key)) return { status: 'delivered', detail: 'already sent for this version' };
      const decision = notifyDecision(options.filter, report, state.notified === true);
      if (!decision.notify) return { status: 'skipped', detail: decision.reason };
      const url = await ctx.secrets.read(options.urlParameter);
      // Plain http only to this machine: a report is sensitive, and the signature does not hide it. The URL is never echoed.
      if (!/^https:\/\/\S+$/.test(url) && !LOOPBACK.test(url)) throw new ConfigError(`webhook URL ${JSON.stringify(options.urlParameter)} must be https (http only for 127.0.0.1/localhost)`);
      const secret = await ctx.secrets.read(options.secretParameter);
      if (secret.length < MIN_SECRET_CHARS) throw new ConfigError(`webhook signing secret ${JSON.stringify(options.secretParameter)} must be at least ${MIN_SECRET_CHARS} characters`);
      const body = JSON.stringify(report);
      const now = options.now ?? Date.now;
      const { status } = await withRetries(
        'webhook',
        () => {
          // Signed per attempt: a retry after a long wait still falls inside the receiver's replay window.
          const timestamp = Math.floor(now() / 1000);
          return postJson('webhook', url, body, {
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
            'idempotency-key': key,
            'x-alertwarden-event': `report.${report.phase}`,
            'user-agent': 'AlertWarden-Webhook/1',
          });
        },
        undefined,
        options.retry,
      );
      await ctx.state.put(withDelivered({ ...state, notified: true }, key));
      return { status: 'delivered', detail: `webhook answered HTTP ${status}` };
    },
  });

export const webhookEmitterFromEnv = (env: Record<string, string | undefined>): Emitter | undefined => {
  const urlParameter = env.ALERTWARDEN_WEBHOOK_URL_PARAMETER?.trim();
  if (!urlParameter) return undefined;
  const secretParameter = env.ALERTWARDEN_WEBHOOK_SECRET_PARAMETER?.trim();
  if (!secretParameter) throw new ConfigError('ALERTWARDEN_WEBHOOK_SECRET_PARAMETER: required with ALERTWARDEN_WEBHOOK_URL_PARAMETER (the signing secret\'s parameter name)');
  return createWebhookEmitter({ urlParameter, secretParameter, filter: filterFromEnv(env, 'WEBHOOK', 'safe') });
};
