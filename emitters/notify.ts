/**
 * What the notification emitters (slack, pagerduty, github, email, webhook) share: which
 * reports each one tells people about, retries that honour Retry-After inside the emit
 * Task's time budget, and "at most once per idempotency key" through their per-report state.
 * A delivery that still fails throws: the pipeline retries the emit step, then records the
 * failure on the report and on the day's failure list.
 */
import * as z from 'zod';
import { AlertWardenError, ConfigError } from '../core/errors.ts';
import { SEVERITIES, SEVERITY_RANK, isAtLeast, type Report, type Severity } from '../core/report.ts';

type Env = Record<string, string | undefined>;

/** Base error of the notification emitters. */
export class NotifyError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

/**
 * A target answered with an error status. The message names the target and the status, never
 * a URL (webhook URLs and tokens are secrets) nor the response body (it may echo them).
 */
export class DeliveryError extends NotifyError {
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(target: string, detail: { status?: number; retryable: boolean; retryAfterMs?: number; reason?: string }, options?: { cause?: unknown }) {
    const status = detail.status !== undefined ? `HTTP ${detail.status}` : 'no response';
    super(`${target}: ${status}${detail.reason ? `: ${detail.reason}` : ''}`, options);
    this.name = 'DeliveryError';
    this.status = detail.status;
    this.retryable = detail.retryable;
    this.retryAfterMs = detail.retryAfterMs;
  }
}

/** Retries ran out, or the target asked to wait longer than the emit step may. */
export class RetriesExhaustedError extends NotifyError {
  constructor(target: string, attempts: number, options?: { cause?: unknown }) {
    super(`${target}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
    this.name = 'RetriesExhaustedError';
  }
}

// ---------------------------------------------------------------------------------------------
// Which reports an emitter notifies about.

export interface NotifyFilter {
  /** Reports below this severity are skipped, unless this emitter already notified about the report. */
  minSeverity: Severity;
  /** Rule ids to notify about (exact, or a prefix ending in `*`); empty = every rule. */
  rules: string[];
  /** Rule ids never notified about, same syntax. */
  excludeRules: string[];
}

const csv = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * ALERTWARDEN_<PREFIX>_MIN_SEVERITY, ALERTWARDEN_<PREFIX>_RULES and ALERTWARDEN_<PREFIX>_EXCLUDE_RULES.
 *
 * @example
 * filterFromEnv({ ALERTWARDEN_SLACK_MIN_SEVERITY: 'high', ALERTWARDEN_SLACK_RULES: 'UnauthorizedAccess:*' }, 'SLACK', 'low')
 */
export const filterFromEnv = (env: Env, prefix: string, defaultMinSeverity: Severity): NotifyFilter => {
  const name = `ALERTWARDEN_${prefix}_MIN_SEVERITY`;
  const raw = env[name]?.trim() || defaultMinSeverity;
  const parsed = z.enum(SEVERITIES).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${name}: must be one of ${SEVERITIES.join(', ')}`);
  return { minSeverity: parsed.data, rules: csv(env[`ALERTWARDEN_${prefix}_RULES`]), excludeRules: csv(env[`ALERTWARDEN_${prefix}_EXCLUDE_RULES`]) };
};

export const ruleMatches = (pattern: string, ruleId: string): boolean =>
  pattern.endsWith('*') ? ruleId.startsWith(pattern.slice(0, -1)) : ruleId === pattern;

export const severityOf = (report: Report): Severity => report.verdict?.severity ?? 'unclassified';

/**
 * Whether to notify about this version. Once an emitter has told people about a report it
 * keeps them informed whatever the severity: a downgrade to `safe` is exactly what the person
 * paged at 3 a.m. needs to read (and what resolves the incident).
 */
export const notifyDecision = (filter: NotifyFilter, report: Report, alreadyNotified: boolean): { notify: true } | { notify: false; reason: string } => {
  if (filter.rules.length > 0 && !filter.rules.some((p) => ruleMatches(p, report.rule_id))) {
    return { notify: false, reason: 'rule not in this emitter\'s rules' };
  }
  if (filter.excludeRules.some((p) => ruleMatches(p, report.rule_id))) return { notify: false, reason: 'rule excluded for this emitter' };
  if (alreadyNotified) return { notify: true };
  const severity = severityOf(report);
  if (!isAtLeast(severity, filter.minSeverity)) return { notify: false, reason: `severity ${severity} below ${filter.minSeverity}` };
  return { notify: true };
};

/** Raised above what was last sent: worth the channel's attention again, not only the thread's. */
export const isEscalation = (report: Report, lastSeverity: Severity | undefined): boolean =>
  lastSeverity !== undefined && SEVERITY_RANK[severityOf(report)] > SEVERITY_RANK[lastSeverity];

// ---------------------------------------------------------------------------------------------
// Retries.

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number;
  /** First back-off; doubles per attempt up to maxDelayMs. Default 500 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Total waiting allowed. The emit Task times out at 20 s; waiting longer here would turn a
   * polite back-off into a timeout. Past the budget the error goes up to the Task's own retry.
   */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMsOf = (header: string | null | undefined, nowMs = Date.now()): number | undefined => {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
};

/** 408, 425, 429 and 5xx are worth another try; other statuses will not change by retrying. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500;

/** How a failed attempt should be treated: DeliveryError says so; anything else (a reset connection, a timeout) is retried. */
export type FailureClassifier = (error: unknown) => { retryable: boolean; retryAfterMs?: number };

export const classifyFailure: FailureClassifier = (error) =>
  error instanceof DeliveryError ? { retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) } : { retryable: true };

/**
 * Runs `send` until it succeeds, a failure is not retryable, attempts run out or the next wait
 * would pass the budget. Waits Retry-After when the target gives one, else an exponential back-off.
 *
 * @example
 * const result = await withRetries('pagerduty', () => postJson(url, body), classifyFailure);
 */
export const withRetries = async <T>(target: string, send: () => Promise<T>, classify: FailureClassifier = classifyFailure, options: RetryOptions = {}): Promise<T> => {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 8_000;
  let budget = options.budgetMs ?? 12_000;
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const failure = classify(error);
      if (!failure.retryable) throw error;
      const delay = failure.retryAfterMs ?? Math.min(max, base * 2 ** (attempt - 1));
      if (attempt >= attempts || delay > budget) throw new RetriesExhaustedError(target, attempt, { cause: error });
      budget -= delay;
      await sleep(delay);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// HTTP by hand, for targets with no maintained client (PagerDuty Events v2, generic webhooks).

/** Per attempt: a hung target must not hold the emit step until its Task timeout. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** POSTs JSON; a non-2xx answer becomes a DeliveryError carrying status and Retry-After. */
export const postJson = async (
  target: string,
  url: string,
  body: string,
  headers: Record<string, string> = {},
  fetchImpl: typeof fetch = fetch,
): Promise<{ status: number; text: string }> => {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
  } catch (error) {
    // The cause may quote the URL (a secret for webhooks): only its kind is kept in the message.
    throw new DeliveryError(target, { retryable: true, reason: (error as Error).name });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const retryAfterMs = retryAfterMsOf(response.headers.get('retry-after'));
    throw new DeliveryError(target, { status: response.status, retryable: isRetryableStatus(response.status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  return { status: response.status, text };
};

// ---------------------------------------------------------------------------------------------
// At most once per idempotency key.

const KEPT_KEYS = 20;

/** Keys already delivered, kept in the emitter's state so a retried emit does not post twice. */
export const deliveredKeys = (state: Record<string, unknown> | undefined): string[] =>
  Array.isArray(state?.delivered) ? state.delivered.filter((k): k is string => typeof k === 'string') : [];

export const withDelivered = (state: Record<string, unknown>, key: string): Record<string, unknown> => ({
  ...state,
  delivered: [...deliveredKeys(state).filter((k) => k !== key), key].slice(-KEPT_KEYS),
});
