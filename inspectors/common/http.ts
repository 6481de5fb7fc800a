/**
 * HTTP for the external intel inspectors: one JSON GET with the inspection's AbortSignal,
 * 429 and 5xx retried after the server's Retry-After (seconds or an HTTP date) or an
 * exponential back-off, and a container-wide pause when a service says to wait longer than an
 * inspection can: later lookups then fail at once instead of hammering a rate-limited API.
 */
import { AlertWardenError } from '../../core/errors.ts';

/** Base error of the intel HTTP client. */
export class IntelError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntelError';
  }
}

/** The service refused the request (bad key, bad input): retrying will not help. */
export class IntelRequestError extends IntelError {
  readonly status: number;
  constructor(service: string, status: number) {
    super(`${service} answered HTTP ${status}`);
    this.name = 'IntelRequestError';
    this.status = status;
  }
}

/** The service is rate limiting or failing and did not recover within this inspection. */
export class IntelUnavailableError extends IntelError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(service: string, reason: string, details: { status?: number; retryAfterMs?: number } = {}, options?: { cause?: unknown }) {
    super(`${service} ${reason}`, options);
    this.name = 'IntelUnavailableError';
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export const retryAfterMs = (header: string | null, now: number): number | undefined => {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

export interface IntelHttpOptions {
  /** Name used in errors and logs. */
  service: string;
  /** Attempts per request, the first included (default 3). */
  attempts?: number;
  /** First back-off when the server gives no Retry-After (default 500 ms, doubled each time). */
  backoffMs?: number;
  /** The longest wait inside one inspection; a longer Retry-After pauses the service instead (default 5 s). */
  maxWaitMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** How a back-off waits (tests record the waits instead of spending them). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export interface IntelResponse {
  status: number;
  body: unknown;
}

/**
 * @example
 * const http = intelHttp({ service: 'abuseipdb' });
 * const { status, body } = await http.getJson(url, { Key: apiKey, Accept: 'application/json' }, ctx.signal);
 */
export const intelHttp = (options: IntelHttpOptions) => {
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 5_000;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  let pausedUntil = 0;

  return {
    /** 2xx and 404 are answers (404 is "not known" to these APIs); anything else is an error. */
    async getJson(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IntelResponse> {
      if (now() < pausedUntil) {
        throw new IntelUnavailableError(options.service, `is paused for ${Math.ceil((pausedUntil - now()) / 1000)} s after a rate limit`, { retryAfterMs: pausedUntil - now() });
      }
      for (let attempt = 1; ; attempt++) {
        let response: Response;
        try {
          response = await doFetch(url, { headers, signal, redirect: 'error' });
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (attempt >= attempts) throw new IntelUnavailableError(options.service, 'could not be reached', {}, { cause: error });
          await sleep(backoffMs * 2 ** (attempt - 1), signal);
          continue;
        }
        if (response.ok || response.status === 404) {
          const text = await response.text();
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch (error) {
            throw new IntelError(`${options.service} answered HTTP ${response.status} with a body that is not JSON`, { cause: error });
          }
          return { status: response.status, body };
        }
        await response.body?.cancel();
        if (response.status !== 429 && response.status < 500) throw new IntelRequestError(options.service, response.status);
        const asked = retryAfterMs(response.headers.get('retry-after'), now());
        if (asked !== undefined && asked > maxWaitMs) {
          pausedUntil = now() + asked;
          throw new IntelUnavailableError(options.service, `answered HTTP ${response.status} and asks to wait ${Math.ceil(asked / 1000)} s`, { status: response.status, retryAfterMs: asked });
        }
        if (attempt >= attempts) {
          throw new IntelUnavailableError(options.service, `answered HTTP ${response.status} ${attempts} times`, { status: response.status, ...(asked !== undefined ? { retryAfterMs: asked } : {}) });
        }
        await sleep(asked ?? Math.min(maxWaitMs, backoffMs * 2 ** (attempt - 1)), signal);
      }
    },
  };
};

