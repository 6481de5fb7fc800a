import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { clientOf, createAwsClients, lazyAwsClients, oneSignerPerClient } from './aws-clients.ts';

type Answer = { statusCode: number; headers: Record<string, string>; body: unknown };
/** DynamoDB's answer to any call: `{}`. */
const DYNAMODB_ANSWER = (): Answer => ({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new TextEncoder().encode('{}') });
/** S3's: an empty 200 (an empty stream for GetObject). */
const S3_ANSWER = (): Answer => ({ statusCode: 200, headers: { 'content-length': '0' }, body: Readable.from([]) });

/** A transport that gives every call the same answer and keeps the signed requests. */
const recordingHandler = (answer: () => Answer = DYNAMODB_ANSWER) => {
  const signed: Record<string, string>[] = [];
  return {
    signed,
    handler: {
      handle: async (request: { headers: Record<string, string> }) => {
        signed.push({ ...request.headers });
        return { response: answer() };
      },
      destroy: () => undefined,
    },
  };
};

const COMMANDS = () => [
  new PutItemCommand({ TableName: 't', Item: { pk: { S: 'REPORT#1' }, sk: { S: 'META' }, n: { N: '1' } } }),
  new GetItemCommand({ TableName: 't', Key: { pk: { S: 'REPORT#1' }, sk: { S: 'META' } }, ConsistentRead: true }),
  new UpdateItemCommand({ TableName: 'other', Key: { pk: { S: 'R#2' }, sk: { S: 'META' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }),
];

/** The SDK signs a random invocation id: fixed here, so that two clients' signatures can be compared. */
const fixInvocationId = <C extends DynamoDBClient | S3Client>(client: C) => {
  type Args = { request: { headers: Record<string, string> } };
  client.middlewareStack.addRelativeTo(
    ((next: (args: Args) => Promise<unknown>) => (args: Args) => {
      args.request.headers['amz-sdk-invocation-id'] = '00000000-0000-4000-8000-000000000000';
      return next(args);
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'fixInvocationId' },
  );
  return client;
};

/** The client with one signer signed exactly as the SDK's per-request signers did, each request its own signature. */
const expectSameSignatures = (reused: Record<string, string>[], perRequest: Record<string, string>[], service: string, requests: number) => {
  expect(reused.map((h) => h.authorization)).toStrictEqual(perRequest.map((h) => h.authorization));
  expect(reused[0]!.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/${service}/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$`));
  expect(new Set(reused.map((h) => h.authorization)).size, 'each request its own signature').toBe(requests);
};

const send = (client: DynamoDBClient, command: ReturnType<typeof COMMANDS>[number]) => client.send(command as PutItemCommand);

const ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' };

afterEach(() => {
  vi.useRealTimers();
});

describe('one SigV4 signer per DynamoDB client', () => {
  test('requests are signed exactly as by the SDK’s signer per request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    const reused = recordingHandler();
    const perRequest = recordingHandler();
    const { dynamodb } = await createAwsClients(ENV, { dynamodb: reused.handler });
    const plain = new DynamoDBClient({ region: ENV.AWS_REGION, endpoint: ENV.AWS_ENDPOINT_URL_DYNAMODB, credentials: { accessKeyId: ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ENV.AWS_SECRET_ACCESS_KEY }, requestHandler: perRequest.handler });
    fixInvocationId(dynamodb);
    fixInvocationId(plain);
    for (const command of COMMANDS()) await send(dynamodb, command);
    for (const command of COMMANDS()) await send(plain, command);
    expectSameSignatures(reused.signed, perRequest.signed, 'dynamodb', 3);
  });

  test('the signer is built once per client, for the eager and the lazy (Lambda) clients', async () => {
    const { dynamodb } = await createAwsClients(ENV, { dynamodb: recordingHandler().handler });
    const lazy = await clientOf(lazyAwsClients(ENV).dynamodb);
    for (const client of [dynamodb, lazy]) {
      const signer = client.config.signer;
      expect(await signer()).toBe(await signer());
    }
    // Counted at the SDK's own builder: one build for five requests.
    const recorded = recordingHandler();
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: recorded.handler });
    const build = vi.fn(client.config.signer);
    client.config.signer = build;
    oneSignerPerClient(client);
    for (let i = 0; i < 5; i++) await send(client, COMMANDS()[i % 3]!);
    expect({ requests: recorded.signed.length, builds: build.mock.calls.length }).toStrictEqual({ requests: 5, builds: 1 });
  });

  test('credentials are asked for on every request: rotated keys sign the next request, as with a signer per request', async () => {
    const keysSigned = async (reuse: boolean) => {
      let n = 0;
      // Expiring at once, so the SDK's memo of the provider asks again each time.
      const rotating = async () => ({ accessKeyId: `AKID${++n}`, secretAccessKey: `secret-${n}`, expiration: new Date(Date.now() + 1000) });
      const recorded = recordingHandler();
      const client = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: rotating, requestHandler: recorded.handler });
      if (reuse) oneSignerPerClient(client);
      for (const command of COMMANDS()) await send(client, command);
      return recorded.signed.map((h) => /Credential=([^/]+)\//.exec(h.authorization!)![1]);
    };
    const reused = await keysSigned(true);
    expect(new Set(reused).size, `keys signed: ${reused.join(', ')}`).toBe(3);
    expect(reused).toStrictEqual(await keysSigned(false));
  });

  test('a failed first build is not kept: the next request builds again', async () => {
    let attempts = 0;
    const client = { config: { signer: async () => (++attempts === 1 ? Promise.reject(new Error('region not resolved yet')) : { attempt: attempts }) } };
    oneSignerPerClient(client);
    await expect(client.config.signer()).rejects.toThrow('region not resolved yet');
    expect(await client.config.signer()).toStrictEqual({ attempt: 2 });
    expect(await client.config.signer()).toStrictEqual({ attempt: 2 });
  });
});

const S3_COMMANDS = () => [
  new PutObjectCommand({ Bucket: 'alertwarden-reports', Key: 'reports/r-1/v000001.json', Body: '{"id":"r-1"}', ContentType: 'application/json' }),
  new GetObjectCommand({ Bucket: 'alertwarden-reports', Key: 'reports/r-1/v000001.json' }),
  new ListObjectsV2Command({ Bucket: 'alertwarden-config', Prefix: 'blocklists/' }),
  new GetObjectCommand({ Bucket: 'alertwarden-config', Key: 'review/policy.json' }),
];

const sendS3 = (client: S3Client, command: ReturnType<typeof S3_COMMANDS>[number]) => client.send(command as GetObjectCommand);

const S3_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('one SigV4 signer per S3 client and auth scheme', () => {
  test('requests to AWS (virtual-host, default checksums) and to a local endpoint are signed exactly as by the SDK’s signer per request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    for (const env of [S3_ENV, { ...S3_ENV, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', ALERTWARDEN_S3_FORCE_PATH_STYLE: 'true' }]) {
      const reused = recordingHandler(S3_ANSWER);
      const perRequest = recordingHandler(S3_ANSWER);
      const { s3 } = await createAwsClients(env);
      s3.config.requestHandler = reused.handler as never;
      const local = 'AWS_ENDPOINT_URL_S3' in env;
      const plain = new S3Client({
        region: env.AWS_REGION,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
        ...(local ? { endpoint: 'http://127.0.0.1:1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
        requestHandler: perRequest.handler,
      });
      fixInvocationId(s3);
      fixInvocationId(plain);
      for (const command of S3_COMMANDS()) await sendS3(s3, command);
      for (const command of S3_COMMANDS()) await sendS3(plain, command);
      expectSameSignatures(reused.signed, perRequest.signed, 's3', 4);
      s3.destroy();
      plain.destroy();
    }
  });

  test('one build per auth scheme: the same scheme gets the same signer, another scheme (or none, as S3 Express asks) its own', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: recordingHandler(S3_ANSWER).handler });
    const build = vi.fn(client.config.signer);
    client.config.signer = build;
    oneSignerPerClient(client);
    const sigv4East = { name: 'sigv4', signingName: 's3', signingRegion: 'us-east-1', disableDoubleEncoding: true };
    const sigv4West = { ...sigv4East, signingRegion: 'us-west-2' };
    const sigv4a = { name: 'sigv4a', signingName: 's3', signingRegionSet: ['*'], disableDoubleEncoding: true };
    const signer = client.config.signer as (scheme?: object) => Promise<unknown>;
    const [east, east2, west, a, none, none2] = await Promise.all([signer(sigv4East), signer({ ...sigv4East }), signer(sigv4West), signer(sigv4a), signer(), signer()]);
    expect(east).toBe(east2);
    expect(none).toBe(none2);
    expect(new Set([east, west, a, none]).size, 'a signer per distinct scheme').toBe(4);
    expect(build.mock.calls.map(([scheme]) => scheme)).toStrictEqual([sigv4East, sigv4West, sigv4a, undefined]);
    // Real requests: five sends, one build for their scheme.
    build.mockClear();
    for (let i = 0; i < 5; i++) await sendS3(client, S3_COMMANDS()[i % 4]!);
    expect(build.mock.calls.length, `builds for five S3 requests: ${build.mock.calls.length}`).toBe(1);
  });

  test('the eager and the lazy (Lambda) S3 clients both keep their signer', async () => {
    const { s3 } = await createAwsClients(S3_ENV);
    const lazy = await clientOf(lazyAwsClients(S3_ENV).s3);
    for (const client of [s3, lazy]) {
      const signer = client.config.signer as () => Promise<unknown>;
      expect(await signer()).toBe(await signer());
    }
  });
});

describe('client configuration with fast properties', () => {
  // V8's own answer, which only a process started with --allow-natives-syntax may ask.
  const PROBE = `
    const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { createAwsClients, lazyAwsClients } = await import(${JSON.stringify(fileURLToPath(new URL('./aws-clients.ts', import.meta.url)))});
    const fast = (o) => %HasFastProperties(o);
    const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' };
    const answer = { handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new TextEncoder().encode('{}') } }), destroy() {} };
    const built = await createAwsClients(env, { dynamodb: answer });
    const lazy = lazyAwsClients(env);
    const result = { plain: fast(new DynamoDBClient({ region: 'eu-west-1' }).config) };
    for (const name of ['dynamodb', 's3', 'sfn', 'sns', 'ssm']) {
      result['built ' + name] = fast(built[name].config);
      result['lazy ' + name] = fast((await lazy[name]()).config);
    }
    // Still fast after requests: nothing the SDK does per call turns it back.
    for (let i = 0; i < 20; i++) await built.dynamodb.send(new PutItemCommand({ TableName: 'reports', Item: { pk: { S: 'R#' + i } } }));
    result['built dynamodb after 20 calls'] = fast(built.dynamodb.config);
    result['credentials still a getter'] = typeof Object.getOwnPropertyDescriptor(built.dynamodb.config, 'credentials')?.get === 'function';
    console.log(JSON.stringify(result));
  `;

  test('every client built here has it, before and after requests; a client built plainly by the SDK does not', () => {
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', PROBE], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, boolean>;
    const { plain, ...ours } = result;
    // If this turns true, the SDK no longer leaves its configuration in dictionary mode and withFastConfig can go.
    expect(plain, 'a plain SDK client\'s configuration has fast properties').toBe(false);
    expect(ours).toStrictEqual(Object.fromEntries(Object.keys(ours).map((name) => [name, true])));
    expect(Object.keys(ours)).toHaveLength(12);
  });
});
