import { readFile } from 'node:fs/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PolicyError } from './errors.ts';
import { parsePolicy, type Policy } from './schema.ts';

const S3_URL = /^s3:\/\/([^/]+)\/(.+)$/;

const readText = async (location: string, s3: S3Client | undefined): Promise<string> => {
  const object = S3_URL.exec(location);
  if (!object) return readFile(location, 'utf8');
  const response = await (s3 ?? new S3Client({})).send(new GetObjectCommand({ Bucket: object[1], Key: object[2] }));
  if (!response.Body) throw new Error('S3 returned no body');
  return response.Body.transformToString('utf-8');
};

/**
 * Reads and validates a policy from a file path or `s3://bucket/key`.
 *
 * @example
 * const policy = await loadPolicy('s3://alertwarden-config/policy.json', s3);
 */
export const loadPolicy = async (location: string, s3?: S3Client): Promise<Policy> => {
  if (location.startsWith('s3://') && !S3_URL.test(location)) {
    throw new PolicyError(location, `review policy location ${location} must look like s3://bucket/key`);
  }
  let text: string;
  try {
    text = await readText(location, s3);
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
