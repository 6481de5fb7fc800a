/**
 * A loopback HTTP server standing in for a SaaS API (Slack, PagerDuty, GitHub, a webhook
 * receiver): it records every request and answers from a script, so tests assert exactly what
 * an emitter sent and how it reacted to 429s and 5xx.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoopbackHttp {
  url: string;
  requests: RecordedRequest[];
  /** Answers used once each, in order, before `respond` takes over (e.g. a 429 with Retry-After). */
  queue: ScriptedResponse[];
  respond: (request: RecordedRequest) => ScriptedResponse;
  close(): Promise<void>;
}

export const startLoopbackHttp = async (respond: (request: RecordedRequest) => ScriptedResponse = () => ({})): Promise<LoopbackHttp> => {
  const loopback = { requests: [], queue: [], respond } as unknown as LoopbackHttp;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      loopback.requests.push(request);
      const answer = loopback.queue.shift() ?? loopback.respond(request);
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  loopback.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  loopback.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return loopback;
};
