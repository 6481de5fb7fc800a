/**
 * AWS SDK v3 clients. Endpoints come from the SDK's own service-specific variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, ...), which is how the local runtime points
 * the very same code at its loopback servers; in Lambda they are unset.
 *
 * In Lambda every client is imported and built on first use, DynamoDB included: loading an SDK
 * client package is most of a handler's import time, most functions never touch S3, SFN, SNS or
 * SSM, and the stores that use DynamoDB are loaded on their first call (adapters/lazy-port.ts).
 */
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import toFastProperties from 'to-fast-properties';
import type { Env } from '../core/config.ts';

/** A client, or a provider that imports and builds it on first call (then returns the same one). */
export type Lazy<T> = T | (() => Promise<T>);

/** The client itself, whichever form it was given in. */
export const clientOf = async <T extends object>(lazy: Lazy<T>): Promise<T> => (typeof lazy === 'function' ? (lazy as () => Promise<T>)() : lazy);

/** Built clients: what the local runtime, tests and benches hold (and instrument). */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sfn: SFNClient;
  sns: SNSClient;
  /** Parameter Store, where plugins' secrets live (read through core/secrets.ts). */
  ssm: SSMClient;
}

/** What the wiring needs: built clients are accepted as they are. */
export interface AwsClientProviders {
  dynamodb: Lazy<DynamoDBClient>;
  s3: Lazy<S3Client>;
  sfn: Lazy<SFNClient>;
  sns: Lazy<SNSClient>;
  ssm: Lazy<SSMClient>;
}

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
};

const settingsOf = (env: Env) => {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Explicit keys in the given environment win (the local runtime's own); otherwise the SDK's provider chain.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const base = { region, ...(credentials ? { credentials } : {}) };
  const endpoint = (value: string | undefined) => (value ? { endpoint: value } : {});
  const pathStyle = env.ALERTWARDEN_S3_FORCE_PATH_STYLE === 'true';
  const s3: S3ClientConfig = {
    ...base,
    ...endpoint(env.AWS_ENDPOINT_URL_S3),
    // Local S3 servers address buckets by path, not by virtual host.
    forcePathStyle: pathStyle,
    // s3rver stores aws-chunked framing inside objects when the SDK adds default checksums.
    ...(pathStyle ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  };
  return {
    dynamodb: { ...base, ...endpoint(env.AWS_ENDPOINT_URL_DYNAMODB) },
    s3,
    sfn: { ...base, ...endpoint(env.AWS_ENDPOINT_URL_SFN) },
    sns: { ...base, ...endpoint(env.AWS_ENDPOINT_URL_SNS) },
    ssm: { ...base, ...endpoint(env.AWS_ENDPOINT_URL_SSM) },
  };
};

/** The part of a client's resolved configuration that makes its request signer. */
interface SignerConfig {
  config: { signer: (authScheme?: never) => Promise<unknown> };
}

/** Distinct auth schemes remembered per client; the endpoint rules give a handful at most. */
const SCHEMES_KEPT = 16;

/**
 * One SigV4 signer per client and auth scheme instead of one per request. The SDK's default
 * builds a new signer for every request from a copy of the client's whole configuration (~50
 * properties): with a stub transport, 8 of the ~100 KiB the SDK allocates per DynamoDB call, and
 * 10-15% of its CPU (noisy), in Lambda as locally; S3's (SignatureV4MultiRegion) likewise.
 * The SDK asks with the endpoint's auth scheme (name, signing name and region: S3 access points
 * and S3 Express may differ per request; S3 Express asks with none), so a signer is kept per
 * distinct scheme and a request is only ever handed the one built for its own. Each request
 * still passes its own signing region and service, the signer asks the client's credential
 * provider on every request (so rotated credentials are used as before), and the signing keys
 * are cached by the SDK across signers anyway. A failed build is not kept.
 */
export const oneSignerPerClient = <C extends SignerConfig>(client: C): C => {
  const make = client.config.signer;
  const made = new Map<string, Promise<unknown>>();
  client.config.signer = (authScheme) => {
    const scheme = authScheme === undefined ? '' : JSON.stringify(authScheme);
    const kept = made.get(scheme);
    if (kept) return kept;
    const signer = make(authScheme).catch((error: unknown) => {
      made.delete(scheme);
      throw error;
    });
    if (made.size < SCHEMES_KEPT) made.set(scheme, signer);
    return signer;
  };
  return client;
};

/**
 * The client, with its configuration object laid out by V8 as a plain record (fast properties)
 * instead of a hash table. The SDK copies the whole configuration (~50 properties) into a new
 * object three times per request (`{ ...config }` in its serializer, deserializer and endpoint
 * middlewares), and the object a client is built with ends up in V8's dictionary mode, where
 * such a copy took ~18 µs against ~2.4 µs: about a fifth of the SDK's CPU per DynamoDB call
 * (stub transport, Node 22), in Lambda as locally. It is the same object (the middlewares hold
 * it) with the same properties; the credentials getter stays a getter.
 */
export const withFastConfig = <C extends { config: object }>(client: C): C => {
  toFastProperties(client.config);
  return client;
};

/** Lambda: every client on its first use. */
export const lazyAwsClients = (env: Env): AwsClientProviders => {
  const settings = settingsOf(env);
  return {
    dynamodb: once(async () => withFastConfig(oneSignerPerClient(new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(settings.dynamodb)))),
    s3: once(async () => withFastConfig(oneSignerPerClient(new (await import('@aws-sdk/client-s3')).S3Client(settings.s3)))),
    sfn: once(async () => withFastConfig(new (await import('@aws-sdk/client-sfn')).SFNClient(settings.sfn))),
    sns: once(async () => withFastConfig(new (await import('@aws-sdk/client-sns')).SNSClient(settings.sns))),
    ssm: once(async () => withFastConfig(new (await import('@aws-sdk/client-ssm')).SSMClient(settings.ssm))),
  };
};

/**
 * How requests reach a service when not over HTTPS to AWS: the local runtime hands DynamoDB and
 * S3 requests to its embedded servers in-process (same signed requests, same wire format).
 */
export interface AwsTransports {
  dynamodb?: NonNullable<DynamoDBClientConfig['requestHandler']>;
  s3?: NonNullable<S3ClientConfig['requestHandler']>;
}

/** Every client built at once: the local runtime, which also instruments them. */
export const createAwsClients = async (env: Env, transports: AwsTransports = {}): Promise<AwsClients> => {
  const settings = settingsOf(env);
  const [{ DynamoDBClient }, { S3Client }, { SFNClient }, { SNSClient }, { SSMClient }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sfn'),
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/client-ssm'),
  ]);
  return {
    dynamodb: withFastConfig(oneSignerPerClient(new DynamoDBClient({ ...settings.dynamodb, ...(transports.dynamodb ? { requestHandler: transports.dynamodb } : {}) }))),
    s3: withFastConfig(oneSignerPerClient(new S3Client({ ...settings.s3, ...(transports.s3 ? { requestHandler: transports.s3 } : {}) }))),
    sfn: withFastConfig(new SFNClient(settings.sfn)),
    sns: withFastConfig(new SNSClient(settings.sns)),
    ssm: withFastConfig(new SSMClient(settings.ssm)),
  };
};
