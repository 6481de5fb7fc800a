import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type Lazy } from '../../adapters/aws-clients.ts';
import { readTextFrom, S3_URL } from '../../adapters/read-text.ts';
import { PolicyError } from './errors.ts';
import { parsePolicy, type Policy } from './schema.ts';

/**
 * Reads and validates a policy from a file path or `s3://bucket/key`.
 *
 * @example
 * const policy = await loadPolicy('s3://alertwarden-config/policy.json', s3);
 */
export const loadPolicy = async (location: string, s3?: Lazy<S3Client>): Promise<Policy> => {
  if (location.startsWith('s3://') && !S3_URL.test(location)) {
    throw new PolicyError(location, `review policy location ${location} must look like s3://bucket/key`);
  }
  let text: string;
  try {
    text = await readTextFrom(location, async () => (s3 ? clientOf(s3) : new (await import('@aws-sdk/client-s3')).S3Client({})));
  } catch (error) {
    throw new PolicyError(location, `cannot read review policy ${location}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(location, `review policy ${location} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parsePolicy(json, location);
};
