/**
 * A loopback HTTP server that answers from a script and records every request: stands in for
 * third-party APIs (AbuseIPDB, GreyNoise) in tests, rate limits, outages and hangs included.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (a hung service): the client's own timeout must end the request. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  at: number;
}

export interface ScriptedHttp {
  url: string;
  requests: RecordedRequest[];
  /** Answers in order; the last one repeats. A function answers from the request. Assigning a new script starts it over. */
  script: (ScriptedAnswer | ((request: RecordedRequest) => ScriptedAnswer))[];
  close(): Promise<void>;
}

export const startScriptedHttp = async (): Promise<ScriptedHttp> => {
  const fake: ScriptedHttp = { url: '', requests: [], script: [], close: async () => {} };
  let served = 0;
  let current: ScriptedHttp['script'] | undefined;
  const server = createServer((req, res) => {
    if (fake.script !== current) {
      current = fake.script;
      served = 0;
    }
    const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() };
    fake.requests.push(request);
    const step = fake.script[Math.min(served++, fake.script.length - 1)] ?? { status: 500 };
    const answer = typeof step === 'function' ? step(request) : step;
    if (answer.hang) return;
    res.statusCode = answer.status ?? 200;
    res.setHeader('content-type', 'application/json');
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
};
