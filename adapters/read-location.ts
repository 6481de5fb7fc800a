/**
 * Reads configuration data (feeds, range files) from where a deployment keeps it: a local
 * file, `s3://bucket/key` or an http(s) URL. Callers wrap failures in their own error naming
 * what they were reading.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { readTextFrom } from './read-text.ts';

export const HTTP_URL = /^https?:\/\//i;
/** A source that does not answer in this time fails the read, instead of holding a start or a refresh forever. */
const FETCH_TIMEOUT_MS = 30_000;

export const isRemoteLocation = (location: string): boolean => location.startsWith('s3://') || HTTP_URL.test(location);

/**
 * @example
 * await readTextAt('https://feeds.example/drop.txt', () => s3);
 */
export const readTextAt = async (location: string, s3: () => S3Client | Promise<S3Client>, timeoutMs = FETCH_TIMEOUT_MS): Promise<string> => {
  if (!HTTP_URL.test(location)) return readTextFrom(location, s3);
  const response = await fetch(location, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain, application/json, */*' } });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return response.text();
};
