/**
 * The local storage servers, in this process: dynalite and s3rver. The protocol stays the real
 * one: both servers listen on 127.0.0.1 (any other process, and the S3 endpoint variable, use
 * those ports), and requests from the runtime's SDK clients arrive as the signed HTTP request
 * the SDK built (method, path, headers, body), are answered by dynalite's own request listener
 * or s3rver's own Koa app, and go back as their HTTP response for the SDK to deserialise. Only
 * the socket is skipped on that path (local/inprocess-transport.ts, local/socketless-http.mjs).
 *
 * On the handlers' thread, not a worker of their own. On a worker, the two threads mostly took
 * turns (a reply wakes one as the other goes idle), each wake-up cost ~50 µs of CPU on both
 * sides, and in a first pass V8's compiler and collector threads want the second core anyway.
 * Measured on 1,000 alerts over 100 keys, interleaved, 4 pairs: first pass 23.6-27.3 reports/s
 * against 20.8-31.5 on the worker, second pass 34.9-47.3 against 33.1-42.1; a start after the
 * process's first takes 10-30 ms instead of 420-500 ms (a worker loads dynalite and s3rver
 * anew), and a one-alert `alertwarden run` 0.72-0.83 s instead of 0.97-1.02 s. With every
 * piece of JavaScript on one thread, a ms of CPU saved anywhere is a ms of wall time saved.
 *
 * Plain JavaScript, loaded on first use: `alertwarden run --store memory` never loads dynalite.
 */
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buffer } from 'node:stream/consumers';
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
import { S3rverMemoryStore } from './s3rver-memory-store.mjs';
import { serveSocketless } from './socketless-http.mjs';

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

/**
 * dynalite, with its savings installed: once per process, since each patches dynalite's modules,
 * which Node loads once per process (a test runner evaluates this file again for each test file
 * it runs in the same process, hence the global). String storage must be installed before
 * dynalite loads: dynalite takes MemoryLevel from memory-level's exports as it loads.
 */
const LOADED = Symbol.for('alertwarden.local.dynalite');
const loadDynalite = () =>
  (globalThis[LOADED] ??= (async () => {
    const fromDynalite = createRequire(import.meta.resolve('dynalite'));
    // Loaded before, dynalite's db module holds memory-level's own class: string storage could not
    // take effect, and the stores would quietly keep Buffers (a test file that imported dynalite
    // itself, earlier in the same worker, did that).
    if (fromDynalite.cache[fromDynalite.resolve('./db/index.js')]) {
      throw new Error('dynalite was loaded before local/storage-servers.mjs: start it through startLocalServers (local/servers.ts), not by importing dynalite');
    }
    // Items and keys kept as text, not converted to and from Buffers on every access (local/dynalite-string-store.mjs).
    const stringStore = installStringStore(fromDynalite);
    const { default: dynalite } = await import('dynalite');
    const savings = {
      stringStore,
      // Each distinct expression parsed once, not on every call (local/dynalite-expression-memo.mjs).
      expressionMemo: installExpressionMemo(fromDynalite),
      // Request types checked by a check compiled once per operation (local/dynalite-type-check.mjs).
      typeCheck: installTypeCheck(fromDynalite),
      // Table descriptions read from the store once, not on every request and batch item (local/dynalite-table-cache.mjs);
      // before a server is created, since each store is cached as dynalite creates it.
      tableCache: installTableCache(fromDynalite),
      // Response checksums (x-amz-crc32) by zlib instead of a JavaScript loop (local/dynalite-crc32.mjs).
      crc32: installNativeCrc32(fromDynalite),
      // Request ids' random bytes from a pool, not one OpenSSL call per response, while dynalite serves (local/dynalite-request-id.mjs).
      requestIds: installRequestIdPool(fromDynalite),
      // Item reads answered by memory-level's getSync, without the promise wrapping (local/dynalite-sync-get.mjs).
      syncGet: installSyncGet(fromDynalite),
      // Each distinct hash key's MD5 and text computed once for the store keys (local/dynalite-key-memo.mjs).
      keyMemo: installKeyMemo(fromDynalite),
      // Attribute values surely valid accepted without big.js (local/dynalite-number-check.mjs).
      numberCheck: installNumberCheck(fromDynalite),
    };
    return { dynalite, savings, fromDynalite };
  })());

/** The bytes of a request body, as the server would read them off the socket (a view, not a copy). */
const bytesOf = (body) =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** Neither the listening socket nor a connection to it (another process, a client over HTTP) holds the process open. */
const withoutHoldingTheProcess = (server) => {
  server.unref();
  server.on('connection', (socket) => socket.unref());
};

/**
 * One request given to dynalite's request listener as its http.Server would give it, without a
 * socket; resolves with the response. Its id is drawn from the pool (local/dynalite-request-id.mjs).
 *
 * @param {(request: object, response: object) => void} listener dynalite's own request listener
 * @param {{ whileServing: <T>(serve: () => T) => T }} requestIds
 * @param {{ method: string, url: string, headers: Record<string, string>, body: string | Uint8Array }} request
 */
export const serveDynalite = (listener, requestIds, request) =>
  new Promise((resolve) => {
    const incoming = Object.assign(new EventEmitter(), { method: request.method, url: request.url, headers: request.headers });
    const headers = {};
    const outgoing = {
      statusCode: 200,
      setHeader: (name, value) => void (headers[name.toLowerCase()] = String(value)),
      getHeader: (name) => headers[name.toLowerCase()],
      end: (body) => resolve({ statusCode: outgoing.statusCode, headers, body: body ?? '' }),
    };
    listener(incoming, outgoing);
    if (request.body.length > 0) incoming.emit('data', bytesOf(request.body));
    // dynalite handles the request when its body ends, drawing the response's id there.
    requestIds.whileServing(() => incoming.emit('end'));
  });

/**
 * dynalite opens its LevelDB lazily and throws from a callback when that fails (index.js: `if
 * (err) throw err`): an uncaught exception in the CLI, and in a process that embeds the runtime a
 * start that never settles. The usual cause is a folder another process still holds (LevelDB's
 * LOCK): a run being killed, or a second runtime on the same --state. Opened and closed here
 * first, with dynalite's own copy of level, that becomes an error of the start that names the folder.
 */
const ensureOpenable = async (fromDynalite, path) => {
  const { Level } = fromDynalite('level');
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const reason = error?.cause?.message ?? error?.message ?? String(error);
    throw new Error(`cannot open the local DynamoDB state in ${path}: ${reason}${/lock/i.test(reason) ? ' (another process holds it)' : ''}`);
  } finally {
    await db.close();
  }
};

/**
 * Starts both servers on free loopback ports. Neither holds the process open: a runtime nobody
 * stopped does not keep it alive.
 *
 * @param {{ dynamoPath?: string, s3Directory?: string, bucketName: string }} options without a directory, the data stays in memory
 */
export const startStorageServers = async (options) => {
  const { dynalite, savings, fromDynalite } = await loadDynalite();
  if (options.dynamoPath) await ensureOpenable(fromDynalite, options.dynamoPath);
  const dynamo = dynalite({ createTableMs: 0, ...(options.dynamoPath ? { path: options.dynamoPath } : {}) });
  const dynamoPort = await listen(dynamo);
  withoutHoldingTheProcess(dynamo);
  try {
    return await withS3(options, savings, dynamo, dynamoPort);
  } catch (error) {
    // No half-started pair: dynalite's port closes with the failed start.
    await close(dynamo);
    throw error;
  }
};

/** s3rver beside a listening dynalite, and the two as one StorageServers. */
const withS3 = async (options, savings, dynamo, dynamoPort) => {
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
  withoutHoldingTheProcess(s3.httpServer);
  const dynaliteListener = dynamo.listeners('request')[0];
  // The listener s3rver's HTTP server calls (its Koa app), for requests that come without a socket.
  const s3Listener = s3.httpServer.listeners('request')[0];

  const dynamodb = (request) => serveDynalite(dynaliteListener, savings.requestIds, request);

  /** One request given to s3rver's Koa app as its http.Server would give it, without a socket. */
  const s3Request = (request) => serveSocketless(s3Listener, { method: request.method, url: request.url, headers: request.headers, body: bytesOf(request.body) });

  // Pausing swaps dynalite's HTTP request handler for one that drops the connection: socket
  // clients see a network failure, while the data survives (closing dynalite would discard it).
  let pausedHandlers;
  const dropConnection = (request) => request.socket.destroy();
  let stopped;

  return {
    dynamoPort,
    s3Port,
    dynamodb,
    s3: s3Request,
    pause() {
      if (pausedHandlers) return;
      pausedHandlers = dynamo.listeners('request');
      dynamo.removeAllListeners('request');
      dynamo.on('request', dropConnection);
    },
    resume() {
      if (!pausedHandlers) return;
      dynamo.removeListener('request', dropConnection);
      for (const handler of pausedHandlers) dynamo.on('request', handler);
      pausedHandlers = undefined;
    },
    /** What dynalite's savings did since this process loaded it (every server of the process counts), and where s3rver keeps objects. */
    usage: () => ({
      expressionParses: savings.expressionMemo.stats(),
      typeChecks: { ...savings.typeCheck.stats },
      stringStores: savings.stringStore.stores,
      tableCache: { hits: savings.tableCache.hits, misses: savings.tableCache.misses },
      nativeCrc32: savings.crc32.native,
      pooledRequestIds: savings.requestIds.stats.pooled,
      syncGets: { ...savings.syncGet },
      keyMemo: { ...savings.keyMemo },
      numberChecks: { ...savings.numberCheck },
      s3Store: options.s3Directory ? 'filesystem' : 'memory',
    }),
    stop: () => (stopped ??= Promise.all([close(dynamo), s3.close()]).then(() => undefined)),
  };
};
