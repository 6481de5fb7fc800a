/**
 * Slack: a Block Kit message per report version, through a bot token (`chat.postMessage`,
 * threaded) or an incoming webhook (one message per version; webhooks return no message id
 * to thread on).
 *
 * With a bot token the first page starts a thread and every later version of the same report
 * (the final update, re-reviews) is a reply in it; the thread's first message is edited to show
 * the latest verdict, and an escalation is also broadcast to the channel. The thread is kept
 * in the emitter's per-report state.
 */
import { ErrorCode as WebApiErrorCode, WebClient, type ChatPostMessageArguments, type ChatUpdateArguments } from '@slack/web-api';
import { ErrorCode as WebhookErrorCode, IncomingWebhook } from '@slack/webhook';
import * as z from 'zod';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { SEVERITIES, type Severity } from '../../core/report.ts';
import {
  DeliveryError,
  deliveredKeys,
  isEscalation,
  isRetryableStatus,
  notifyDecision,
  retryAfterMsOf,
  severityOf,
  withDelivered,
  withRetries,
  type RetryOptions,
} from '../notify.ts';
import { slackMessageOf } from './message.ts';

import type { SlackSettings } from './config.ts';

export interface SlackEmitterOptions extends SlackSettings {
  retry?: RetryOptions;
}

const SlackState = z
  .object({
    notified: z.boolean().optional(),
    channel: z.string().optional(),
    threadTs: z.string().optional(),
    lastSeverity: z.enum(SEVERITIES).optional(),
  })
  .loose();

const ATTEMPT_TIMEOUT_MS = 5_000;
// Slack answers errors as `ok: false` with HTTP 200; these codes are Slack-side and pass.
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Any error from the Slack clients as a DeliveryError: status and Retry-After kept, URLs and tokens never. */
const slackFailure = (error: unknown, webhookRetryAfter?: string | null): DeliveryError => {
  const e = error as { code?: string; statusCode?: number; headers?: Record<string, string>; retryAfter?: number; data?: { error?: string } };
  switch (e.code as string | undefined) {
    case WebApiErrorCode.RateLimitedError:
      return new DeliveryError('slack', { status: 429, retryable: true, retryAfterMs: (e.retryAfter ?? 1) * 1000, reason: 'rate limited' });
    case WebApiErrorCode.HTTPError: {
      const retryAfterMs = retryAfterMsOf(e.headers?.['retry-after']);
      return new DeliveryError('slack', { status: e.statusCode!, retryable: isRetryableStatus(e.statusCode!), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    case WebApiErrorCode.PlatformError: {
      const code = String(e.data?.error ?? 'unknown');
      return new DeliveryError('slack', { status: 200, retryable: TRANSIENT_PLATFORM_ERRORS.has(code), reason: `Slack API error ${code}` });
    }
    case WebhookErrorCode.HTTPError: {
      const retryAfterMs = retryAfterMsOf(webhookRetryAfter);
      return new DeliveryError('slack webhook', { status: e.statusCode!, retryable: isRetryableStatus(e.statusCode!), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    default:
      // Request errors (reset, timeout): retried. The original message is left out: it may quote the webhook URL.
      return new DeliveryError(e.code === WebhookErrorCode.RequestError ? 'slack webhook' : 'slack', { retryable: true, reason: 'request failed' }, { cause: error });
  }
};

/**
 * @example
 * createSlackEmitter({ target: { kind: 'bot', tokenParameter: '/alertwarden/prod/slack-token', channel: 'C0123456789' }, filter: { minSeverity: 'medium', rules: [], excludeRules: [] } })
 */
export const createSlackEmitter = (options: SlackEmitterOptions): Emitter =>
  defineEmitter({
    name: 'slack',
    async emit(report, ctx) {
      const state = SlackState.parse((await ctx.state.get()) ?? {});
      const key = ctx.idempotencyKey;
      if (deliveredKeys(state).includes(key)) return { status: 'delivered', detail: 'already posted for this version' };
      const decision = notifyDecision(options.filter, report, state.notified === true);
      if (!decision.notify) return { status: 'skipped', detail: decision.reason };
      const severity: Severity = severityOf(report);
      const target = options.target;

      if (target.kind === 'webhook') {
        const url = await ctx.secrets.read(target.webhookParameter);
        let retryAfter: string | null = null;
        // Our own fetch, only to read Retry-After: the webhook client's errors do not carry headers.
        const webhook = new IncomingWebhook(url, {
          timeout: ATTEMPT_TIMEOUT_MS,
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            retryAfter = response.headers.get('retry-after');
            return response;
          },
        });
        const message = slackMessageOf(report, { ...(ctx.reportUrl ? { reportUrl: ctx.reportUrl } : {}), update: state.notified === true });
        await withRetries('slack webhook', () => webhook.send({ ...message, unfurl_links: false, unfurl_media: false }).catch((e: unknown) => Promise.reject(slackFailure(e, retryAfter))), undefined, options.retry);
        await ctx.state.put(withDelivered({ ...state, notified: true, lastSeverity: severity }, key));
        return { status: 'delivered', detail: 'posted through the incoming webhook' };
      }

      const token = await ctx.secrets.read(target.tokenParameter);
      const client = new WebClient(token, {
        ...(target.apiUrl ? { slackApiUrl: target.apiUrl } : {}),
        // Retries are ours (bounded by the emit budget); the client's default waits up to 30 minutes.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: ATTEMPT_TIMEOUT_MS,
      });
      const call = <T>(run: () => Promise<T>) => withRetries('slack', () => run().catch((e: unknown) => Promise.reject(slackFailure(e))), undefined, options.retry);
      const thread = state.threadTs && state.channel ? { channel: state.channel, ts: state.threadTs } : undefined;
      const message = slackMessageOf(report, { ...(ctx.reportUrl ? { reportUrl: ctx.reportUrl } : {}), update: thread !== undefined });
      const escalation = isEscalation(report, state.lastSeverity);
      const posted = await call(() =>
        client.chat.postMessage({
          channel: thread?.channel ?? target.channel,
          ...message,
          unfurl_links: false,
          unfurl_media: false,
          ...(thread ? { thread_ts: thread.ts, reply_broadcast: escalation } : {}),
        } as ChatPostMessageArguments),
      );
      const channel = thread?.channel ?? posted.channel ?? target.channel;
      const threadTs = thread?.ts ?? posted.ts;
      await ctx.state.put(withDelivered({ ...state, notified: true, channel, ...(threadTs ? { threadTs } : {}), lastSeverity: severity }, key));
      if (thread) {
        // The thread's first message shows the latest verdict; the reply above already told people, so a failed edit is not a failed delivery.
        const latest = slackMessageOf(report, ctx.reportUrl ? { reportUrl: ctx.reportUrl } : {});
        await call(() => client.chat.update({ channel: thread.channel, ts: thread.ts, ...latest } as ChatUpdateArguments)).catch((error: unknown) =>
          ctx.logger.warn('slack: could not update the thread start', { error: (error as Error).message }),
        );
      }
      const where = thread ? `reply in thread ${thread.ts}${escalation ? ', broadcast to the channel (escalation)' : ''}` : `new thread ${String(threadTs)}`;
      return { status: 'delivered', detail: `Slack message ${String(posted.ts)}: ${where}` };
    },
  });

