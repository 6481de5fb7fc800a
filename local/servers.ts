/**
 * Real-protocol DynamoDB and S3 servers on 127.0.0.1, started in-process on free ports:
 * the pipeline's AWS SDK clients talk to them exactly as they would to AWS. In memory and a
 * temporary folder by default; in a given folder (LevelDB + files) when a run must survive
 * being killed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver, { type S3rverStore } from 's3rver';
import { inProcessRequestHandler, type InProcessRequestHandler } from './inprocess-transport.ts';

export interface LocalServers {
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The SDK request handler that gives requests to dynalite in this process, without a socket. */
  dynamodbRequestHandler: InProcessRequestHandler;
  /** Fault injection: DynamoDB drops every connection until resumed, keeping its data. */
  pauseDynamoDb(): Promise<void>;
  resumeDynamoDb(): Promise<void>;
  stop(): Promise<void>;
}

const listen = (server: import('node:http').Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: import('node:http').Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/**
 * s3rver writes an object in place and answers once its input stream ends, before the file is
 * written: a killed run leaves empty or partial objects behind, even for PUTs it confirmed. S3
 * itself never shows a partial object, so here the content goes to a temporary file (ignored
 * by listings: it lacks s3rver's suffix), then the metadata, and the object appears by rename.
 */
const makePutsAtomic = (store: S3rverStore) => {
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
  const refused = inProcessRequestHandler(() => undefined);
  refused.close();
  const unavailable = async () => {
    throw new Error('no DynamoDB server runs with the memory store');
  };
  return {
    dynamodbEndpoint: 'http://127.0.0.1:9',
    s3Endpoint: 'http://127.0.0.1:9',
    dynamodbRequestHandler: refused,
    pauseDynamoDb: unavailable,
    resumeDynamoDb: unavailable,
    stop: async () => undefined,
  };
};

export const startLocalServers = async (options: LocalServersOptions): Promise<LocalServers> => {
  const persistent = options.directory !== undefined;
  if (persistent) await mkdir(join(options.directory!, 's3'), { recursive: true });
  const dynamo = dynalite({ createTableMs: 0, ...(persistent ? { path: join(options.directory!, 'dynamodb') } : {}) }) as import('node:http').Server;
  const dynamoPort = await listen(dynamo);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoPort}`;

  const directory = persistent ? join(options.directory!, 's3') : await mkdtemp(join(tmpdir(), 'alertwarden-s3-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucketName }],
  });
  makePutsAtomic(s3.store);
  const s3Address = (await s3.run()) as AddressInfo;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
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

  // Pausing swaps dynalite's request handler for one that drops the connection: clients see
  // a network failure, while the in-memory data survives (closing dynalite would discard it).
  let pausedHandlers: Function[] | undefined;
  const dropConnection = (request: import('node:http').IncomingMessage) => request.socket.destroy();
  const dynamodbRequestHandler = inProcessRequestHandler(dynamo.listeners('request')[0] as (request: unknown, response: unknown) => void);
  return {
    dynamodbEndpoint,
    s3Endpoint,
    dynamodbRequestHandler,
    async pauseDynamoDb() {
      dynamodbRequestHandler.pause();
      if (pausedHandlers) return;
      pausedHandlers = dynamo.listeners('request');
      dynamo.removeAllListeners('request');
      dynamo.on('request', dropConnection);
    },
    async resumeDynamoDb() {
      dynamodbRequestHandler.resume();
      if (!pausedHandlers) return;
      dynamo.removeListener('request', dropConnection);
      for (const handler of pausedHandlers) dynamo.on('request', handler as (...args: unknown[]) => void);
      pausedHandlers = undefined;
    },
    async stop() {
      dynamodbRequestHandler.close();
      await close(dynamo);
      await s3.close();
      if (!persistent) await rm(directory, { recursive: true, force: true });
    },
  };
};
