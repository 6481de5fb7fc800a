/**
 * AWS SDK v3 clients. Endpoints come from the SDK's own service-specific variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, ...), which is how the local runtime points
 * the very same code at its loopback servers; in Lambda they are unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Env } from '../core/config.ts';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sfn: SFNClient;
  sns: SNSClient;
  /** Parameter Store, where plugins' secrets live (read through core/secrets.ts). */
  ssm: SSMClient;
}

export const createAwsClients = (env: Env): AwsClients => {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Explicit keys in the given environment win (the local runtime's own); otherwise the SDK's provider chain.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const base = { region, ...(credentials ? { credentials } : {}) };
  return {
    dynamodb: new DynamoDBClient({ ...base, ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: env.AWS_ENDPOINT_URL_DYNAMODB } : {}) }),
    s3: new S3Client({
      ...base,
      ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3 } : {}),
      // Local S3 servers address buckets by path, not by virtual host.
      forcePathStyle: env.ALERTWARDEN_S3_FORCE_PATH_STYLE === 'true',
      // s3rver stores aws-chunked framing inside objects when the SDK adds default checksums.
      ...(env.ALERTWARDEN_S3_FORCE_PATH_STYLE === 'true'
        ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }
        : {}),
    }),
    sfn: new SFNClient({ ...base, ...(env.AWS_ENDPOINT_URL_SFN ? { endpoint: env.AWS_ENDPOINT_URL_SFN } : {}) }),
    sns: new SNSClient({ ...base, ...(env.AWS_ENDPOINT_URL_SNS ? { endpoint: env.AWS_ENDPOINT_URL_SNS } : {}) }),
    ssm: new SSMClient({ ...base, ...(env.AWS_ENDPOINT_URL_SSM ? { endpoint: env.AWS_ENDPOINT_URL_SSM } : {}) }),
  };
};
