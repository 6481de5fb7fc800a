/**
 * A socket-free transport under the AWS SDK: each signed HTTP request the DynamoDB client
 * builds is handed to dynalite's own request listener in this process, and its HTTP response
 * goes back to the SDK's deserializer. The protocol is the real one (SigV4 headers, JSON 1.0
 * bodies, status codes, error types, crc32); only loopback TCP is skipped, which cost about
 * a fifth of the CPU of every call (both ends of an HTTP connection in one event loop).
 */
import { EventEmitter } from 'node:events';

type Listener = (request: unknown, response: unknown) => void;

/** The part of @smithy's HttpRequest the SDK hands to a request handler. */
interface SdkHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface InProcessRequestHandler {
  handle(request: SdkHttpRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>;
  /** Fault injection: every request fails as a reset connection does, until resumed. */
  pause(): void;
  resume(): void;
  /** The server is going away: from now on requests are refused, as by a closed port. */
  close(): void;
  destroy(): void;
}

const queryString = (query: SdkHttpRequest['query']) => {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(v === null ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
};

const bodyBytes = (body: unknown): Buffer => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('the in-process transport takes string or byte bodies only (DynamoDB JSON), not streams');
};

/** A reset connection as Node reports it: the SDK's retry strategy treats ECONNRESET as transient. */
const connectionReset = () => Object.assign(new Error('socket hang up (in-process DynamoDB paused)'), { code: 'ECONNRESET', name: 'Error' });
const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED (in-process DynamoDB stopped)'), { code: 'ECONNREFUSED', name: 'Error' });

/** Wraps dynalite's `request` listener (the one `dynalite()` registers on its http.Server). */
export const inProcessRequestHandler = (listener: Listener): InProcessRequestHandler => {
  let paused = false;
  let closed = false;
  return {
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    close: () => void (closed = true),
    destroy: () => undefined,
    handle(request) {
      if (closed) return Promise.reject(connectionRefused());
      if (paused) return Promise.reject(connectionReset());
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
        const incoming = Object.assign(new EventEmitter(), { method: request.method, url: `${request.path}${queryString(request.query)}`, headers });
        const responseHeaders: Record<string, string> = {};
        const outgoing = {
          statusCode: 200,
          contentType: undefined as string | undefined,
          setHeader: (name: string, value: unknown) => void (responseHeaders[name.toLowerCase()] = String(value)),
          getHeader: (name: string) => responseHeaders[name.toLowerCase()],
          end: (body?: string | Uint8Array) =>
            resolve({
              response: {
                statusCode: outgoing.statusCode,
                headers: responseHeaders,
                body: typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? new Uint8Array(0)),
              },
            }),
        };
        try {
          listener(incoming, outgoing);
          const bytes = bodyBytes(request.body);
          if (bytes.length > 0) incoming.emit('data', bytes);
          incoming.emit('end');
        } catch (error) {
          reject(error);
        }
      });
    },
  };
};
