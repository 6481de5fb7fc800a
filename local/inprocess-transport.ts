/**
 * A socket-free transport under the AWS SDK: each signed HTTP request the DynamoDB client
 * builds goes to the storage worker (local/storage-worker.mjs), where dynalite's own request
 * listener answers it, and its HTTP response goes back to the SDK's deserializer. The protocol
 * is the real one (SigV4 headers, JSON 1.0 bodies, status codes, error types, crc32); only
 * loopback TCP is skipped, which cost about a fifth of the CPU of every call (both ends of an
 * HTTP connection), and dynalite's share runs on the worker's thread, not the handlers'.
 */
/** A request as it crosses to the server: what an http.Server would parse off the socket. */
export interface WireRequest {
  method: string;
  url: string;
  /** Lower-case names, as Node's http parser gives them. */
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Hands one request to the server and resolves with its response. */
export type Dispatch = (request: WireRequest) => Promise<WireResponse>;

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

const wireBody = (body: unknown): string | Uint8Array => {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // A copy of just these bytes: the SDK's body views a larger pooled buffer, all of which a
  // message to the storage thread would otherwise copy.
  if (body instanceof Uint8Array) return new Uint8Array(body);
  throw new TypeError('the in-process transport takes string or byte bodies only (DynamoDB JSON), not streams');
};

/** A reset connection as Node reports it: the SDK's retry strategy treats ECONNRESET as transient. */
const connectionReset = () => Object.assign(new Error('socket hang up (in-process DynamoDB paused)'), { code: 'ECONNRESET', name: 'Error' });
const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED (in-process DynamoDB stopped)'), { code: 'ECONNREFUSED', name: 'Error' });

/** The SDK request handler over a dispatch (the storage worker's), with fault injection on this side. */
export const inProcessRequestHandler = (dispatch: Dispatch): InProcessRequestHandler => {
  let paused = false;
  let closed = false;
  return {
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    close: () => void (closed = true),
    destroy: () => undefined,
    async handle(request) {
      if (closed) throw connectionRefused();
      if (paused) throw connectionReset();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
      const response = await dispatch({ method: request.method, url: `${request.path}${queryString(request.query)}`, headers, body: wireBody(request.body) });
      const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
      return { response: { statusCode: response.statusCode, headers: response.headers, body } };
    },
  };
};
