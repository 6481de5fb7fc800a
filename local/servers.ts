/**
 * Real-protocol DynamoDB and S3 servers on 127.0.0.1, started in-process on free ports:
 * the pipeline's AWS SDK clients talk to them exactly as they would to AWS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface LocalServers {
  dynamodbEndpoint: string;
  s3Endpoint: string;
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

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export const startLocalServers = async (options: { tableName: string; bucketName: string }): Promise<LocalServers> => {
  const dynamo = dynalite({ createTableMs: 0 }) as import('node:http').Server;
  const dynamoPort = await listen(dynamo);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoPort}`;

  const directory = await mkdtemp(join(tmpdir(), 'alertwarden-s3-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucketName }],
  });
  const s3Address = (await s3.run()) as AddressInfo;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  await client.send(
    new CreateTableCommand({
      TableName: options.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  client.destroy();

  // Pausing swaps dynalite's request handler for one that drops the connection: clients see
  // a network failure, while the in-memory data survives (closing dynalite would discard it).
  let pausedHandlers: Function[] | undefined;
  const dropConnection = (request: import('node:http').IncomingMessage) => request.socket.destroy();
  return {
    dynamodbEndpoint,
    s3Endpoint,
    async pauseDynamoDb() {
      if (pausedHandlers) return;
      pausedHandlers = dynamo.listeners('request');
      dynamo.removeAllListeners('request');
      dynamo.on('request', dropConnection);
    },
    async resumeDynamoDb() {
      if (!pausedHandlers) return;
      dynamo.removeListener('request', dropConnection);
      for (const handler of pausedHandlers) dynamo.on('request', handler as (...args: unknown[]) => void);
      pausedHandlers = undefined;
    },
    async stop() {
      await close(dynamo);
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
