/**
 * Real-protocol DynamoDB and S3 servers on 127.0.0.1, started on free ports on a worker thread
 * of this process (local/storage-worker.mjs): the pipeline's AWS SDK clients talk to them
 * exactly as they would to AWS, while the servers' own work runs on the second core. In memory
 * by default; in a given folder (LevelDB + files) when a run must survive being killed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { GcTotals } from './gc-meter.mjs';
import { inProcessRequestHandler, type InProcessRequestHandler, type WireRequest, type WireResponse } from './inprocess-transport.ts';

export interface StorageUsage {
  cpuMs: number | undefined;
  expressionParses: { parses: number; hits: number };
  /** Requests whose types dynalite's compiled check answered, and those left to its own (local/dynalite-type-check.mjs). */
  typeChecks: { compiled: number; original: number };
  /** In-memory dynalite stores opened with string storage (local/dynalite-string-store.mjs); 0 with a --state folder. */
  stringStores: number;
  /** dynalite's table descriptions served from memory and read from its store (local/dynalite-table-cache.mjs). */
  tableCache: { hits: number; misses: number };
  /** Response checksums (x-amz-crc32) computed by zlib (local/dynalite-crc32.mjs). */
  nativeCrc32: number;
  /** Request ids made from pooled random bytes (local/dynalite-request-id.mjs). */
  pooledRequestIds: number;
  /** dynalite's item reads answered by getSync, and those left to its own path (local/dynalite-sync-get.mjs). */
  syncGets: { sync: number; original: number };
  /** Store keys whose hash-key part came from memory or was computed, and keys left to dynalite (local/dynalite-key-memo.mjs). */
  keyMemo: { hits: number; computed: number; original: number };
  /** Attribute values accepted at once, and those left to dynalite's own check (local/dynalite-number-check.mjs). */
  numberChecks: { fast: number; original: number };
  /** Where s3rver keeps objects: in memory (local/s3rver-memory-store.mjs) unless a --state folder is given. */
  s3Store: 'memory' | 'filesystem' | 'none';
  gc?: GcTotals;
}

/** The usage of a storage thread that served nothing: what the memory store reports, and what a worker's reply leaves out. */
const NO_STORAGE_USAGE: StorageUsage = {
  cpuMs: 0,
  expressionParses: { parses: 0, hits: 0 },
  typeChecks: { compiled: 0, original: 0 },
  stringStores: 0,
  tableCache: { hits: 0, misses: 0 },
  nativeCrc32: 0,
  pooledRequestIds: 0,
  syncGets: { sync: 0, original: 0 },
  keyMemo: { hits: 0, computed: 0, original: 0 },
  numberChecks: { fast: 0, original: 0 },
  s3Store: 'none',
};

export interface LocalServers {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The SDK request handler that gives requests to dynalite on the storage thread, without a socket. */
  dynamodbRequestHandler: InProcessRequestHandler;
  /** The same for S3: requests go to s3rver's Koa app on the storage thread, without a socket. */
  s3RequestHandler: InProcessRequestHandler;
  /** CPU time of the thread that runs the servers, in ms (undefined where the OS does not tell). */
  storageThreadCpuMs(): Promise<number | undefined>;
  /**
   * What the storage thread did since it started: its CPU time (ms; undefined where the OS does
   * not tell), dynalite's expression parses (its parser's own runs and the answers from memory,
   * local/dynalite-expression-memo.mjs) and, once asked for (`gc: true` starts counting), its
   * garbage collection (local/gc-meter.mjs).
   */
  storageUsage(options?: { gc?: boolean }): Promise<StorageUsage>;
  /** Fault injection: DynamoDB drops every connection until resumed, keeping its data. */
  pauseDynamoDb(): Promise<void>;
  resumeDynamoDb(): Promise<void>;
  stop(): Promise<void>;
}

/** A table keyed like the stack's (pk/sk strings, on demand, the sweep index); TTL is not served locally. */
export const createPkSkTable = (client: DynamoDBClient, tableName: string) =>
  client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'sweepShard', AttributeType: 'S' },
        { AttributeName: 'sweepAt', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      // The round sweeper's sparse index, as in serverless.yml (adapters/dynamodb-store.ts).
      GlobalSecondaryIndexes: [
        {
          IndexName: 'sweep',
          KeySchema: [
            { AttributeName: 'sweepShard', KeyType: 'HASH' },
            { AttributeName: 'sweepAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The SDK settings (as environment variables) that point every client at these servers. */
export const localServerEnv = (servers: Pick<LocalServers, 'dynamodbEndpoint' | 's3Endpoint'>) => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: servers.dynamodbEndpoint,
  AWS_ENDPOINT_URL_S3: servers.s3Endpoint,
  ALERTWARDEN_S3_FORCE_PATH_STYLE: 'true',
});

export interface LocalServersOptions {
  tableName: string;
  bucketName: string;
  /** Keep the data here (created if missing) and reuse what is there; by default it lives only as long as the servers. */
  directory?: string;
}

/**
 * No servers, for the memory store: SDK calls to DynamoDB are refused in-process and S3's
 * endpoint is a closed loopback port, so a stray call fails at once and never reaches AWS.
 */
export const noLocalServers = (): LocalServers => {
  const refused = inProcessRequestHandler(() => Promise.reject(new Error('unreachable: the handler is closed')));
  refused.close();
  const refusedS3 = inProcessRequestHandler(() => Promise.reject(new Error('unreachable: the handler is closed')), { service: 'S3', streamResponses: true });
  refusedS3.close();
  const unavailable = async () => {
    throw new Error('no DynamoDB server runs with the memory store');
  };
  return {
    dynamodbEndpoint: 'http://127.0.0.1:9',
    s3Endpoint: 'http://127.0.0.1:9',
    dynamodbRequestHandler: refused,
    s3RequestHandler: refusedS3,
    storageThreadCpuMs: async () => 0,
    storageUsage: async () => structuredClone(NO_STORAGE_USAGE),
    pauseDynamoDb: unavailable,
    resumeDynamoDb: unavailable,
    stop: async () => undefined,
  };
};

class StorageWorkerError extends Error {
  override name = 'StorageWorkerError';
}

type WorkerReply =
  | { type: 'ready'; dynamoPort: number; s3Port: number }
  | ({ type: 'response'; id: number } & WireResponse)
  | ({ type: 'done'; id: number } & Partial<StorageUsage>)
  | { type: 'failed'; id: number; message: string };

/**
 * The storage worker and the requests in flight to it. The worker keeps this process alive
 * only while a request waits for it, so a runtime nobody stopped does not hold the process open.
 */
const startStorageWorker = async (workerData: { dynamoPath?: string; s3Directory?: string; bucketName: string }) => {
  // Plain JavaScript needs no loader: the parent's (tsx, vitest) would only slow the worker's start.
  const worker = new Worker(new URL('./storage-worker.mjs', import.meta.url), { workerData, execArgv: [] });
  const pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let gone: Error | undefined;
  const ready = new Promise<{ dynamoPort: number; s3Port: number }>((resolve, reject) => {
    worker.on('message', (replies: WorkerReply[]) => {
      for (const reply of replies) {
        if (reply.type === 'ready') {
          resolve(reply);
          continue;
        }
        const waiting = pending.get(reply.id);
        if (!waiting) continue;
        pending.delete(reply.id);
        if (reply.type === 'failed') waiting.reject(new StorageWorkerError(`the storage worker failed a request: ${reply.message}`));
        else waiting.resolve(reply);
      }
      if (pending.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      gone = error;
      reject(error);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    };
    worker.on('error', (cause) => fail(new StorageWorkerError('the storage worker crashed', { cause })));
    worker.on('exit', (code) => fail(Object.assign(new StorageWorkerError(`the storage worker exited (code ${code})`), { code: 'ECONNRESET' })));
  });
  // Requests made in one turn of the event loop cross in one message: each message wakes the
  // other thread, and under load a wake-up costs more than the copying.
  let outbox: object[] = [];
  let handedOver: ArrayBuffer[] = [];
  const flush = () => {
    const batch = outbox;
    const transfer = handedOver;
    outbox = [];
    handedOver = [];
    if (gone) return;
    worker.postMessage(batch, transfer);
  };
  const call = (message: ({ type: 'request'; service?: 's3' } & WireRequest) | { type: 'pause' | 'resume' | 'stop' } | { type: 'usage'; gc?: boolean }) =>
    new Promise<WorkerReply>((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      if (outbox.length === 0) setImmediate(flush);
      outbox.push({ ...message, id });
      // The body is the transport's own copy (local/inprocess-transport.ts): handed over, not copied again.
      if (message.type === 'request' && message.body instanceof Uint8Array) handedOver.push(message.body.buffer as ArrayBuffer);
    });
  return { worker, ports: await ready, call };
};

export const startLocalServers = async (options: LocalServersOptions): Promise<LocalServers> => {
  const persistent = options.directory !== undefined;
  if (persistent) await mkdir(join(options.directory!, 's3'), { recursive: true });
  // Without a folder both servers keep their data in memory (s3rver: local/s3rver-memory-store.mjs).
  const storage = await startStorageWorker({
    ...(persistent ? { dynamoPath: join(options.directory!, 'dynamodb'), s3Directory: join(options.directory!, 's3') } : {}),
    bucketName: options.bucketName,
  });
  storage.worker.unref();
  const dynamodbEndpoint = `http://127.0.0.1:${storage.ports.dynamoPort}`;
  const s3Endpoint = `http://127.0.0.1:${storage.ports.s3Port}`;
  const dynamodbRequestHandler = inProcessRequestHandler(async (request) => (await storage.call({ type: 'request', ...request })) as WireResponse);
  const s3RequestHandler = inProcessRequestHandler(async (request) => (await storage.call({ type: 'request', service: 's3', ...request })) as WireResponse, {
    service: 'S3',
    streamResponses: true,
  });

  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, requestHandler: dynamodbRequestHandler });
  const created = createPkSkTable(client, options.tableName);

  // A persistent folder already has its table from the previous run.
  await created.catch((error: unknown) => {
    if (!(error instanceof ResourceInUseException)) throw error;
  });
  // dynalite answers batch calls on a CREATING table with ResourceNotFoundException; a socket's
  // latency used to hide that window, the in-process transport does not.
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (attempt === 200) throw new Error(`table ${options.tableName} is still ${Table?.TableStatus} after 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  client.destroy();

  let stopped: Promise<void> | undefined;
  return {
    dynamodbEndpoint,
    s3Endpoint,
    dynamodbRequestHandler,
    s3RequestHandler,
    async storageThreadCpuMs() {
      const reply = await storage.call({ type: 'usage' });
      return reply.type === 'done' ? reply.cpuMs : undefined;
    },
    async storageUsage(options = {}) {
      const reply = await storage.call({ type: 'usage', ...(options.gc ? { gc: true } : {}) });
      if (reply.type !== 'done') throw new StorageWorkerError(`unexpected reply to usage: ${reply.type}`);
      const { type: _type, id: _id, ...usage } = reply;
      // A CPU time the thread could not read stays unknown, not 0.
      return { ...structuredClone(NO_STORAGE_USAGE), cpuMs: undefined, ...usage };
    },
    async pauseDynamoDb() {
      dynamodbRequestHandler.pause();
      await storage.call({ type: 'pause' });
    },
    async resumeDynamoDb() {
      dynamodbRequestHandler.resume();
      await storage.call({ type: 'resume' });
    },
    stop() {
      return (stopped ??= (async () => {
        dynamodbRequestHandler.close();
        s3RequestHandler.close();
        await storage.call({ type: 'stop' });
        await storage.worker.terminate();
      })());
    },
  };
};
