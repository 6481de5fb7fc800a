/**
 * A socket-free transport under the AWS SDK: each signed HTTP request the DynamoDB or S3 client
 * builds goes to the storage servers (local/storage-servers.mjs), where dynalite's own request
 * listener or s3rver's own Koa app answers it, and its HTTP response goes back to the SDK's
 * deserializer. The protocol is the real one (SigV4 headers, JSON 1.0 or REST-XML bodies, status
 * codes, error types, checksums); only loopback TCP is skipped, which cost about a fifth of the
 * CPU of every call (both ends of an HTTP connection).
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

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
  handle(request: SdkHttpRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array | Readable } }>;
  /** Fault injection: every request fails as a reset connection does, until resumed. */
  pause(): void;
  resume(): void;
  /** The server is going away: from now on requests are refused, as by a closed port. */
  close(): void;
  destroy(): void;
}

/** RFC 3986, as the SDK's own HTTP handler escapes a query (encodeURIComponent leaves !'()* as they are). */
const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const queryString = (query: SdkHttpRequest['query']) => {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(v === null ? escapeUri(key) : `${escapeUri(key)}=${escapeUri(v)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
};

const wireBody = async (body: unknown): Promise<string | Uint8Array> => {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // A copy of just these bytes: the SDK's body may view a larger buffer, and a server keeps
  // what it stores (s3rver's memory store holds the object's bytes).
  if (body instanceof Uint8Array) return new Uint8Array(body);
  // An S3 upload given as a stream: read whole, as the server would before answering.
  if (body instanceof Readable) return new Uint8Array(await buffer(body));
  throw new TypeError('the in-process transport takes string, byte or Node stream bodies only');
};

export interface InProcessOptions {
  /** For error messages: the service whose server answers. */
  service: 'DynamoDB' | 'S3';
  /**
   * Hand the SDK the response body as a stream, as Node's HTTP handler does: S3's streaming
   * outputs (GetObject's Body) must be one for the SDK's stream mixin; DynamoDB's JSON need not.
   */
  streamResponses?: boolean;
}

/** The SDK request handler over a dispatch (the storage servers'), with fault injection on this side. */
export const inProcessRequestHandler = (dispatch: Dispatch, options: InProcessOptions = { service: 'DynamoDB' }): InProcessRequestHandler => {
  // A reset connection as Node reports it: the SDK's retry strategy treats ECONNRESET as transient.
  const connectionReset = () => Object.assign(new Error(`socket hang up (in-process ${options.service} paused)`), { code: 'ECONNRESET', name: 'Error' });
  const connectionRefused = () => Object.assign(new Error(`connect ECONNREFUSED (in-process ${options.service} stopped)`), { code: 'ECONNREFUSED', name: 'Error' });
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
      const response = await dispatch({ method: request.method, url: `${request.path}${queryString(request.query)}`, headers, body: await wireBody(request.body) });
      const bytes = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
      // One chunk in an array: Readable.from() of the bytes themselves would yield them one by one.
      const body = options.streamResponses ? Readable.from([bytes], { objectMode: false }) : bytes;
      return { response: { statusCode: response.statusCode, headers: response.headers, body } };
    },
  };
};
