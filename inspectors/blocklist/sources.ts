/**
 * Where lists come from: `path/to/list.txt`, `s3://bucket/key`, either optionally prefixed
 * with `name=`. Without a name, the list is named after its file (tor-exit-nodes.txt ->
 * tor-exit-nodes), and that name is what analysts see in findings.
 */
import { posix } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { readTextFrom, S3_URL } from '../../adapters/read-text.ts';
import { BlocklistError } from './errors.ts';
import { parseBlocklist, type Blocklist } from './parse.ts';

export interface BlocklistSource {
  name: string;
  location: string;
}

const NAMED = /^([A-Za-z0-9][\w.-]*)=(.*)$/;
const LIST_NAME = /^[\w.-]+$/;

/**
 * @example
 * parseSource('tor=s3://intel-bucket/lists/tor-exit.txt') // { name: 'tor', location: 's3://intel-bucket/lists/tor-exit.txt' }
 */
export const parseSource = (spec: string): BlocklistSource => {
  const named = NAMED.exec(spec.trim());
  const location = (named ? (named[2] ?? '') : spec).trim();
  if (location === '') throw new BlocklistError(`blocklist source ${JSON.stringify(spec)} has no location`);
  if (location.startsWith('s3://') && !S3_URL.test(location)) {
    throw new BlocklistError(`blocklist source ${JSON.stringify(location)} must look like s3://bucket/key`);
  }
  const name = named?.[1] ?? posix.parse(location).name;
  if (!LIST_NAME.test(name)) {
    throw new BlocklistError(`cannot name the list at ${JSON.stringify(location)}; write it as name=${location}`);
  }
  return { name, location };
};

/** Reads and parses one list; read failures name the list and keep the cause. */
export const loadBlocklist = async (source: BlocklistSource, s3: () => S3Client | Promise<S3Client>): Promise<Blocklist> => {
  let text: string;
  try {
    text = await readTextFrom(source.location, s3);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BlocklistError(`cannot read blocklist ${source.name} from ${source.location}: ${reason}`, { cause: error });
  }
  return parseBlocklist(text, source.name, source.location);
};
