/**
 * The local storage servers on their own thread: dynalite and s3rver run here, so the main
 * thread keeps the handlers and the AWS SDK and the second core serves storage. The protocol
 * stays the real one: both servers listen on 127.0.0.1 (any other process, and the S3 endpoint
 * variable, use those ports), and requests from the main thread's SDK clients arrive as the
 * signed HTTP request the SDK built (method, path, headers, body), are answered by dynalite's
 * own request listener or s3rver's own Koa app, and go back as their HTTP response for the SDK
 * to deserialise. Only the socket is skipped on that path (local/inprocess-transport.ts,
 * local/socketless-http.mjs).
 *
 * Plain JavaScript: a worker starts without the TypeScript loader of its parent (vitest, tsx).
 *
 * Each message is an array (what one side had to say in one turn of its event loop) of:
 *   in:  {type:'request', id, service?: 's3', method, url, headers, body}  {type:'pause'|'resume'|'stop', id}  {type:'usage', id, gc?}
 *   out: {type:'ready', dynamoPort, s3Port} | {type:'response', id, statusCode, headers, body} | {type:'done', id, cpuMs?, expressionParses?, typeChecks?, stringStores?, tableCache?, nativeCrc32?, pooledRequestIds?, syncGets?, keyMemo?, numberChecks?, s3Store?, gc?}
 *        | {type:'failed', id, message}
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';
import { installNativeCrc32 } from './dynalite-crc32.mjs';
import { installExpressionMemo } from './dynalite-expression-memo.mjs';
import { installKeyMemo } from './dynalite-key-memo.mjs';
import { installNumberCheck } from './dynalite-number-check.mjs';
import { installRequestIdPool } from './dynalite-request-id.mjs';
import { installStringStore } from './dynalite-string-store.mjs';
import { installSyncGet } from './dynalite-sync-get.mjs';
import { installTableCache } from './dynalite-table-cache.mjs';
import { installTypeCheck } from './dynalite-type-check.mjs';
import { startGcMeter } from './gc-meter.mjs';
import { S3rverMemoryStore } from './s3rver-memory-store.mjs';
import { serveSocketless } from './socketless-http.mjs';

/** @type {{ dynamoPath?: string, s3Directory?: string, bucketName: string }} without a directory, s3rver's objects stay in memory */
const options = workerData;

const listen = (server) =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });

const close = (server) =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/**
 * s3rver writes an object in place and answers once its input stream ends, before the file is
 * written: a killed run leaves empty or partial objects behind, even for PUTs it confirmed. S3
 * itself never shows a partial object, so here the content goes to a temporary file (ignored
 * by listings: it lacks s3rver's suffix), then the metadata, and the object appears by rename.
 */
const makePutsAtomic = (store) => {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const content = Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    const partial = `${objectPath}.partial-${randomUUID()}`;
    await writeFile(partial, content);
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    await rename(partial, objectPath);
    return { size: content.length, md5 };
  };
};

const fromDynalite = createRequire(import.meta.resolve('dynalite'));
// Items and keys kept as text, not converted to and from Buffers on every access (local/dynalite-string-store.mjs);
// before dynalite loads, which takes MemoryLevel from memory-level's exports as it does.
const stringStore = installStringStore(fromDynalite);
const { default: dynalite } = await import('dynalite');
// Each distinct expression parsed once, not on every call (local/dynalite-expression-memo.mjs).
const expressionMemo = installExpressionMemo(fromDynalite);
// Request types checked by a check compiled once per operation (local/dynalite-type-check.mjs).
const typeCheck = installTypeCheck(fromDynalite);
// Table descriptions read from the store once, not on every request and batch item (local/dynalite-table-cache.mjs);
// before the server is created, since each store is cached as dynalite creates it.
const tableCache = installTableCache(fromDynalite);
// Response checksums (x-amz-crc32) by zlib instead of a JavaScript loop (local/dynalite-crc32.mjs).
const crc32 = installNativeCrc32(fromDynalite);
// Request ids' random bytes from a pool, not one OpenSSL call per response (local/dynalite-request-id.mjs).
const requestIds = installRequestIdPool(fromDynalite);
// Item reads answered by memory-level's getSync, without the promise wrapping (local/dynalite-sync-get.mjs).
const syncGet = installSyncGet(fromDynalite);
// Each distinct hash key's MD5 and text computed once for the store keys (local/dynalite-key-memo.mjs).
const keyMemo = installKeyMemo(fromDynalite);
// Attribute values surely valid accepted without big.js (local/dynalite-number-check.mjs).
const numberCheck = installNumberCheck(fromDynalite);

const dynamo = dynalite({ createTableMs: 0, ...(options.dynamoPath ? { path: options.dynamoPath } : {}) });
const dynamoPort = await listen(dynamo);
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, ...(options.s3Directory ? { directory: options.s3Directory } : {}), configureBuckets: [{ name: options.bucketName }] });
// s3rver takes no store option: its app and its request contexts share the one it built.
if (options.s3Directory) makePutsAtomic(s3.store);
else s3.store = s3.context.store = new S3rverMemoryStore();
// s3rver's request logger (koa-logger) formats two colored lines per request even when silent,
// and wraps streamed bodies to count them: about a fifth of s3rver's CPU per put, for nothing
// printed. Its winston logger formats each message before its silent transport drops it (~5 µs).
s3.middleware = s3.middleware.filter((middleware) => middleware.name !== 'logger');
s3.logger.silent = true;
const s3Port = (await s3.run()).port;
const dynaliteListener = dynamo.listeners('request')[0];
// The listener s3rver's HTTP server calls (its Koa app), for requests that come without a socket.
const s3Listener = s3.httpServer.listeners('request')[0];

// Replies made in one turn of the event loop go back in one message (each message wakes the main thread).
let outbox = [];
const reply = (message) => {
  if (outbox.length === 0)
    setImmediate(() => {
      const batch = outbox;
      outbox = [];
      parentPort.postMessage(batch);
    });
  outbox.push(message);
};

/** One request given to dynalite's listener as the http.Server would give it, without a socket. */
const serve = (message) => {
  const incoming = Object.assign(new EventEmitter(), { method: message.method, url: message.url, headers: message.headers });
  const headers = {};
  const outgoing = {
    statusCode: 200,
    contentType: undefined,
    setHeader: (name, value) => void (headers[name.toLowerCase()] = String(value)),
    getHeader: (name) => headers[name.toLowerCase()],
    end: (body) => reply({ type: 'response', id: message.id, statusCode: outgoing.statusCode, headers, body: body ?? '' }),
  };
  try {
    dynaliteListener(incoming, outgoing);
    if (message.body.length > 0) incoming.emit('data', typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : Buffer.from(message.body));
    incoming.emit('end');
  } catch (error) {
    reply({ type: 'failed', id: message.id, message: String(error?.stack ?? error) });
  }
};

/** One request given to s3rver's Koa app as its http.Server would give it, without a socket. */
const serveS3 = (message) => {
  const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
  serveSocketless(s3Listener, { method: message.method, url: message.url, headers: message.headers, body }).then(
    (response) => reply({ type: 'response', id: message.id, ...response }),
    (error) => reply({ type: 'failed', id: message.id, message: String(error?.stack ?? error) }),
  );
};

// Pausing swaps dynalite's HTTP request handler for one that drops the connection: socket
// clients see a network failure, while the data survives (closing dynalite would discard it).
let pausedHandlers;
const dropConnection = (request) => request.socket.destroy();

/** This thread's own CPU time (Linux; user + system, 10 ms ticks), for the bench to tell the threads apart. */
const threadCpuMs = () => {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
};

/** Counting garbage collection costs a little per collection: only once the bench asks. */
let gcMeter;

const handle = async (message) => {
  switch (message.type) {
    case 'request':
      return message.service === 's3' ? serveS3(message) : serve(message);
    case 'pause':
      if (!pausedHandlers) {
        pausedHandlers = dynamo.listeners('request');
        dynamo.removeAllListeners('request');
        dynamo.on('request', dropConnection);
      }
      return reply({ type: 'done', id: message.id });
    case 'resume':
      if (pausedHandlers) {
        dynamo.removeListener('request', dropConnection);
        for (const handler of pausedHandlers) dynamo.on('request', handler);
        pausedHandlers = undefined;
      }
      return reply({ type: 'done', id: message.id });
    case 'usage':
      if (message.gc) gcMeter ??= startGcMeter();
      return reply({ type: 'done', id: message.id, cpuMs: threadCpuMs(), expressionParses: expressionMemo.stats(), typeChecks: { ...typeCheck.stats }, stringStores: stringStore.stores, tableCache: { hits: tableCache.hits, misses: tableCache.misses }, nativeCrc32: crc32.native, pooledRequestIds: requestIds.pooled, syncGets: { ...syncGet }, keyMemo: { ...keyMemo }, numberChecks: { ...numberCheck }, s3Store: options.s3Directory ? 'filesystem' : 'memory', ...(gcMeter ? { gc: gcMeter.read() } : {}) });
    case 'stop':
      await close(dynamo);
      await s3.close();
      // Straight away, not batched: the port closes next.
      parentPort.postMessage([...outbox.splice(0), { type: 'done', id: message.id }]);
      return parentPort.close();
  }
};

parentPort.on('message', (messages) => {
  for (const message of messages) void handle(message);
});

parentPort.postMessage([{ type: 'ready', dynamoPort, s3Port }]);
