/**
 * The cold-start floor (bench/cold-start.bench.ts): a Lambda handler that does only what a
 * function that must call AWS cannot avoid. Bundled with the esbuild settings of serverless.yml,
 * like the deployed functions, it creates the SDK clients one of them used on its first event,
 * configured as adapters/aws-clients.ts configures them, and sends each AWS operation that first
 * event sent, once, with a minimal valid request to the same endpoints. No zod, middy, logger,
 * metrics or pipeline: what a function costs above this is ours, not the SDK's.
 *
 * The clients are imported on first use, as ours are, so a floor loads only the client packages
 * its calls need; one bundle serves every function's floor.
 */
import { randomUUID } from 'node:crypto';

/** One AWS operation a function's first event sent, as the bench's recording endpoints saw it. */
export interface FloorCall {
  service: 'dynamodb' | 's3' | 'sfn' | 'sns';
  operation: string;
}

export interface FloorEvent {
  calls: FloorCall[];
}

export class FloorCallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FloorCallError';
  }
}

const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new FloorCallError(`${name} is not set`);
  return value;
};
// The settings adapters/aws-clients.ts gives every client: explicit keys from the environment
// (Lambda's own), so no credential provider chain is loaded, which ours do not load either.
const base = () => ({
  region: env.AWS_REGION ?? 'us-east-1',
  credentials: { accessKeyId: required('AWS_ACCESS_KEY_ID'), secretAccessKey: required('AWS_SECRET_ACCESS_KEY'), ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
});
const endpoint = (value: string | undefined) => (value ? { endpoint: value } : {});

const once = <T>(make: () => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};

const dynamodb = once(async () => {
  const sdk = await import('@aws-sdk/client-dynamodb');
  return { sdk, client: new sdk.DynamoDBClient({ ...base(), ...endpoint(env.AWS_ENDPOINT_URL_DYNAMODB) }) };
});
const s3 = once(async () => {
  const sdk = await import('@aws-sdk/client-s3');
  const pathStyle = env.ALERTWARDEN_S3_FORCE_PATH_STYLE === 'true';
  return {
    sdk,
    client: new sdk.S3Client({
      ...base(),
      ...endpoint(env.AWS_ENDPOINT_URL_S3),
      forcePathStyle: pathStyle,
      ...(pathStyle ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    }),
  };
});
const sfn = once(async () => {
  const sdk = await import('@aws-sdk/client-sfn');
  return { sdk, client: new sdk.SFNClient({ ...base(), ...endpoint(env.AWS_ENDPOINT_URL_SFN) }) };
});
const sns = once(async () => {
  const sdk = await import('@aws-sdk/client-sns');
  return { sdk, client: new sdk.SNSClient({ ...base(), ...endpoint(env.AWS_ENDPOINT_URL_SNS) }) };
});

/** An object the bench wrote before the run, so a GetObject reads a body as the real ones do. */
export const FLOOR_OBJECT_KEY = 'cold-start-floor/object.json';

const send = async ({ service, operation }: FloorCall): Promise<void> => {
  const id = randomUUID();
  if (service === 'dynamodb') {
    const { sdk, client } = await dynamodb();
    const TableName = required('ALERTWARDEN_TABLE');
    const Key = { pk: { S: `FLOOR#${id}` }, sk: { S: 'FLOOR' } };
    const Item = { ...Key, note: { S: 'cold-start floor' } };
    const values = { ':pk': { S: Key.pk.S } };
    switch (operation) {
      case 'GetItem':
        return void (await client.send(new sdk.GetItemCommand({ TableName, Key })));
      case 'PutItem':
        return void (await client.send(new sdk.PutItemCommand({ TableName, Item })));
      case 'UpdateItem':
        return void (await client.send(new sdk.UpdateItemCommand({ TableName, Key, UpdateExpression: 'SET note = :pk', ExpressionAttributeValues: values })));
      case 'DeleteItem':
        return void (await client.send(new sdk.DeleteItemCommand({ TableName, Key })));
      case 'Query':
        return void (await client.send(new sdk.QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: values })));
      case 'Scan':
        return void (await client.send(new sdk.ScanCommand({ TableName, Limit: 1 })));
      case 'BatchGetItem':
        return void (await client.send(new sdk.BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [Key] } } })));
      case 'BatchWriteItem':
        return void (await client.send(new sdk.BatchWriteItemCommand({ RequestItems: { [TableName]: [{ PutRequest: { Item } }] } })));
    }
  } else if (service === 's3') {
    const { sdk, client } = await s3();
    const Bucket = required('ALERTWARDEN_BUCKET');
    switch (operation) {
      case 'GetObject': {
        const { Body } = await client.send(new sdk.GetObjectCommand({ Bucket, Key: FLOOR_OBJECT_KEY }));
        return void (await Body?.transformToString('utf8'));
      }
      case 'PutObject':
        return void (await client.send(new sdk.PutObjectCommand({ Bucket, Key: `cold-start-floor/${id}.json`, Body: '{}', ContentType: 'application/json' })));
      case 'HeadObject':
        return void (await client.send(new sdk.HeadObjectCommand({ Bucket, Key: FLOOR_OBJECT_KEY })));
      case 'ListObjectsV2':
        return void (await client.send(new sdk.ListObjectsV2Command({ Bucket, Prefix: 'cold-start-floor/', MaxKeys: 1 })));
    }
  } else if (service === 'sfn') {
    const { sdk, client } = await sfn();
    if (operation === 'StartExecution') {
      const input = JSON.stringify({ floor: true, reportId: `floor-${id}`, round: 1 });
      return void (await client.send(new sdk.StartExecutionCommand({ stateMachineArn: required('ALERTWARDEN_STATE_MACHINE_ARN'), name: `floor-${id}`, input })));
    }
  } else if (service === 'sns') {
    const { sdk, client } = await sns();
    const TopicArn = required('ALERTWARDEN_ALERT_TOPIC_ARN');
    if (operation === 'PublishBatch') return void (await client.send(new sdk.PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [{ Id: '0', Message: '{"floor":true}' }] })));
    if (operation === 'Publish') return void (await client.send(new sdk.PublishCommand({ TopicArn, Message: '{"floor":true}' })));
  }
  throw new FloorCallError(`the cold-start floor cannot send ${service} ${operation}: add it to bench/cold-start-floor.ts`);
};

export const handler = async (event: FloorEvent): Promise<{ sent: number }> => {
  // In order, as the function's first event sent them: a later client is built after the first call, as there.
  for (const call of event.calls) await send(call);
  return { sent: event.calls.length };
};
