/**
 * An HTTP request and response for a Node request listener (here s3rver's Koa app) without a
 * socket: the request is a readable stream of the body with the parsed method, URL and headers,
 * as http.Server's IncomingMessage; the response a writable stream with ServerResponse's header
 * methods. What the listener writes (a string, a Buffer, or a stream piped into it, as Koa does
 * for GetObject) is gathered and handed back whole once it ends.
 *
 * Only what Koa, on-finished and s3rver use of the two objects is here; both stay
 * `socket: null`, which they read as "not yet attached, still writable" (as on a keep-alive
 * connection between requests). Plain JavaScript: loaded by local/storage-servers.mjs.
 */
import { Readable, Writable } from 'node:stream';

/** The peer every in-process request comes from (what a loopback socket would report). */
const LOOPBACK = Object.freeze({ remoteAddress: '127.0.0.1', remotePort: 0, encrypted: undefined });

class SocketlessRequest extends Readable {
  httpVersion = '1.1';
  httpVersionMajor = 1;
  httpVersionMinor = 1;
  complete = false;
  socket = LOOPBACK;
  connection = LOOPBACK;

  /** @param {{ method: string, url: string, headers: Record<string, string>, body: Buffer }} wire */
  constructor(wire) {
    super();
    this.method = wire.method;
    this.url = wire.url;
    this.headers = wire.headers;
    this.rawHeaders = Object.entries(wire.headers).flat();
    if (wire.body.length > 0) this.push(wire.body);
    this.push(null);
    this.once('end', () => void (this.complete = true));
  }

  _read() {}
}

class SocketlessResponse extends Writable {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  socket = null;
  connection = null;
  sendDate = false;
  #headers = new Map();
  #chunks = [];

  /**
   * @param {string} method the request's: a response to HEAD has no body, as http.ServerResponse sends none
   * @param {(response: { statusCode: number, headers: Record<string, string>, body: Buffer }) => void} deliver
   */
  constructor(method, deliver) {
    super({
      write: (chunk, encoding, done) => {
        this.headersSent = true;
        this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
        done();
      },
      final: (done) => {
        this.headersSent = true;
        const headers = {};
        for (const [name, value] of this.#headers) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
        // As http.ServerResponse: no body to HEAD (s3rver writes its error XML regardless), nor with 204 or 304.
        const bodiless = method === 'HEAD' || this.statusCode === 204 || this.statusCode === 304;
        const body = bodiless ? Buffer.alloc(0) : this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
        deliver({ statusCode: this.statusCode, headers, body });
        done();
      },
    });
  }

  /** on-finished and Koa read `finished` (OutgoingMessage's) to tell a response that has ended. */
  get finished() {
    return this.writableEnded;
  }

  setHeader(name, value) {
    this.#headers.set(name.toLowerCase(), value);
    return this;
  }

  getHeader(name) {
    return this.#headers.get(name.toLowerCase());
  }

  getHeaders() {
    return Object.fromEntries(this.#headers);
  }

  getHeaderNames() {
    return [...this.#headers.keys()];
  }

  hasHeader(name) {
    return this.#headers.has(name.toLowerCase());
  }

  removeHeader(name) {
    this.#headers.delete(name.toLowerCase());
  }

  writeHead(statusCode, headers) {
    this.statusCode = statusCode;
    for (const [name, value] of Object.entries(headers ?? {})) this.setHeader(name, value);
    return this;
  }

  flushHeaders() {}
}

/**
 * Gives one request to a Node request listener without a socket.
 * @param {(req: Readable, res: Writable) => void} listener
 * @param {{ method: string, url: string, headers: Record<string, string>, body: Buffer }} wire
 * @returns {Promise<{ statusCode: number, headers: Record<string, string>, body: Buffer }>}
 */
export const serveSocketless = (listener, wire) =>
  new Promise((resolve, reject) => {
    const response = new SocketlessResponse(wire.method, resolve);
    response.once('error', reject);
    listener(new SocketlessRequest(wire), response);
  });
