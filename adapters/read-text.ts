import { readFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';

/** `s3://bucket/key`: where configuration (lists, policies) lives in a deployment. */
export const S3_URL = /^s3:\/\/([^/]+)\/(.+)$/;

/** Reads a local file or an `s3://bucket/key` object as UTF-8 text. */
export const readTextFrom = async (location: string, s3: () => S3Client | Promise<S3Client>): Promise<string> => {
  const object = S3_URL.exec(location);
  if (!object) return readFile(location, 'utf8');
  // Imported here, not at the top: a function reading only local files never loads the S3 client.
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const response = await (await s3()).send(new GetObjectCommand({ Bucket: object[1], Key: object[2] }));
  if (!response.Body) throw new Error('S3 returned no body');
  return response.Body.transformToString('utf-8');
};
