/**
 * The socket-free request and response given to s3rver's Koa app (local/socketless-http.mjs):
 * what a request listener reads and writes arrives as http.Server would deliver it. s3rver's own
 * answers through it are covered by local/s3rver-stores.test.ts.
 */
import { Readable, type Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { serveSocketless } from './socketless-http.mjs';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const serve = (listener: Listener, wire: { method: string; url: string; headers?: Record<string, string>; body?: string }) =>
  serveSocketless(listener as never, { method: wire.method, url: wire.url, headers: wire.headers ?? {}, body: Buffer.from(wire.body ?? '') });

describe('a request listener served without a socket', () => {
  test('reads the method, URL, headers and body stream; its status and headers come back with names in lower case', async () => {
    let seen: object | undefined;
    const answer = await serve(
      async (req, res) => {
        seen = { method: req.method, url: req.url, host: req.headers.host, body: (await buffer(req)).toString('utf8'), peer: req.socket.remoteAddress };
        res.statusCode = 201;
        res.setHeader('ETag', '"abc"');
        res.setHeader('Content-Length', 2);
        res.setHeader('X-Amz-Meta-Tags', ['a', 'b']);
        res.end('ok');
      },
      { method: 'PUT', url: '/bucket/key?x-id=PutObject', headers: { host: '127.0.0.1:4568' }, body: '{"id":1}' },
    );
    expect(seen).toStrictEqual({ method: 'PUT', url: '/bucket/key?x-id=PutObject', host: '127.0.0.1:4568', body: '{"id":1}', peer: '127.0.0.1' });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers).toStrictEqual({ etag: '"abc"', 'content-length': '2', 'x-amz-meta-tags': 'a, b' });
    expect(answer.body.toString()).toBe('ok');
  });

  test('a stream piped into the response is gathered whole', async () => {
    const parts = ['{"alerts":[', '1,2,', '3]}'];
    const answer = await serve((_req, res) => void Readable.from(parts.map((p) => Buffer.from(p))).pipe(res as unknown as Writable), { method: 'GET', url: '/bucket/key' });
    expect(answer.body.toString()).toBe(parts.join(''));
  });

  test('no body to HEAD, nor with 204 or 304, as http.ServerResponse sends none; the headers stay', async () => {
    const errorXml: Listener = (_req, res) => {
      res.statusCode = 404;
      res.setHeader('Content-Length', 24);
      res.end('<Error>NoSuchKey</Error>');
    };
    const head = await serve(errorXml, { method: 'HEAD', url: '/bucket/missing' });
    expect({ status: head.statusCode, length: head.headers['content-length'], body: head.body.length }).toStrictEqual({ status: 404, length: '24', body: 0 });
    expect((await serve(errorXml, { method: 'GET', url: '/bucket/missing' })).body.toString()).toBe('<Error>NoSuchKey</Error>');
    for (const statusCode of [204, 304]) {
      const answer = await serve((_req, res) => void ((res.statusCode = statusCode), res.end('ignored')), { method: 'DELETE', url: '/bucket/key' });
      expect([answer.statusCode, answer.body.length]).toStrictEqual([statusCode, 0]);
    }
  });

  test('a listener that throws fails the request instead of leaving it waiting', async () => {
    await expect(
      serve(
        () => {
          throw new Error('listener bug');
        },
        { method: 'GET', url: '/' },
      ),
    ).rejects.toThrow('listener bug');
  });
});
