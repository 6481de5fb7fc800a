/**
 * Real-protocol DynamoDB and S3 servers on 127.0.0.1, started on free ports in this process
 * (local/storage-servers.mjs): the pipeline's AWS SDK clients talk to them exactly as they would
 * to AWS. In memory by default; in a given folder (LevelDB + files) when a run must survive
 * being killed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { inProcessRequestHandler, type Dispatch, type InProcessRequestHandler, type WireResponse } from './inprocess-transport.ts';

export interface StorageUsage {
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
}

/** The usage of storage that served nothing: what the memory store reports. */
const NO_STORAGE_USAGE: StorageUsage = {
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
  /** The SDK request handler that gives requests to dynalite's listener, without a socket. */
  dynamodbRequestHandler: InProcessRequestHandler;
  /** The same for S3: requests go to s3rver's Koa app, without a socket. */
  s3RequestHandler: InProcessRequestHandler;
  /**
   * What dynalite's savings did since this process loaded it (local/dynalite-*.mjs: expression
   * parses, type checks, table descriptions from memory...), and where s3rver keeps objects.
   */
  storageUsage(): Promise<StorageUsage>;
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
    storageUsage: async () => structuredClone(NO_STORAGE_USAGE),
    pauseDynamoDb: unavailable,
    resumeDynamoDb: unavailable,
    stop: async () => undefined,
  };
};

/**
 * Requests are served in turns, not the moment they are made: those made in one turn of the
 * event loop go to the servers together in the next, and their responses come back together in
 * the turn after. The servers share the handlers' thread (local/storage-servers.mjs), and
 * running dynalite's code and the SDK's each in a burst, rather than alternating call by call,
 * cost less CPU per report (1,000 alerts over 100 keys, first pass, interleaved: 33-42 against
 * 39-49 ms), as the worker thread's batched messages did before.
 */
export const servedInTurns = () => {
  const requests: (() => void)[] = [];
  const replies: (() => void)[] = [];
  const flush = (queue: (() => void)[]) => {
    for (const run of queue) run();
  };
  const flushRequests = () => flush(requests.splice(0));
  const flushReplies = () => flush(replies.splice(0));
  const reply = (deliver: () => void) => {
    if (replies.length === 0) setImmediate(flushReplies);
    replies.push(deliver);
  };
  return (dispatch: Dispatch): Dispatch =>
    (request) =>
      new Promise<WireResponse>((resolve, reject) => {
        if (requests.length === 0) setImmediate(flushRequests);
        requests.push(() => {
          let answer: Promise<WireResponse>;
          try {
            answer = dispatch(request);
          } catch (error) {
            answer = Promise.reject(error);
          }
          answer.then(
            (response) => reply(() => resolve(response)),
            (error: unknown) => reply(() => reject(error)),
          );
        });
      });
};

export const startLocalServers = async (options: LocalServersOptions): Promise<LocalServers> => {
  const persistent = options.directory !== undefined;
  if (persistent) await mkdir(join(options.directory!, 's3'), { recursive: true });
  // Loaded on first use: a run with the memory store never loads dynalite or s3rver.
  const { startStorageServers } = await import('./storage-servers.mjs');
  // Without a folder both servers keep their data in memory (s3rver: local/s3rver-memory-store.mjs).
  const storage = await startStorageServers({
    ...(persistent ? { dynamoPath: join(options.directory!, 'dynamodb'), s3Directory: join(options.directory!, 's3') } : {}),
    bucketName: options.bucketName,
  });
  const dynamodbEndpoint = `http://127.0.0.1:${storage.dynamoPort}`;
  const s3Endpoint = `http://127.0.0.1:${storage.s3Port}`;
  const inTurns = servedInTurns();
  const dynamodbRequestHandler = inProcessRequestHandler(inTurns(storage.dynamodb));
  const s3RequestHandler = inProcessRequestHandler(inTurns(storage.s3), {
    service: 'S3',
    streamResponses: true,
  });

  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, requestHandler: dynamodbRequestHandler });
  try {
    // A persistent folder already has its table from the previous run.
    await createPkSkTable(client, options.tableName).catch((error: unknown) => {
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
  } catch (error) {
    // Servers that will never be used: their ports are closed, not left to the end of the process.
    await storage.stop();
    throw error;
  } finally {
    client.destroy();
  }

  let stopped: Promise<void> | undefined;
  return {
    dynamodbEndpoint,
    s3Endpoint,
    dynamodbRequestHandler,
    s3RequestHandler,
    storageUsage: async () => storage.usage(),
    async pauseDynamoDb() {
      dynamodbRequestHandler.pause();
      storage.pause();
    },
    async resumeDynamoDb() {
      dynamodbRequestHandler.resume();
      storage.resume();
    },
    stop() {
      return (stopped ??= (async () => {
        dynamodbRequestHandler.close();
        s3RequestHandler.close();
        await storage.stop();
      })());
    },
  };
};
