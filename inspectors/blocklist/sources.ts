/**
 * Where lists come from: a file path, `s3://bucket/key` or an `https://` (or `http://`) URL,
 * each optionally prefixed with `name=`. Without a name, the list is named after its file
 * (tor-exit-nodes.txt -> tor-exit-nodes), and that name is what analysts see in findings.
 *
 * A relative path is read from the configuration folder (ALERTWARDEN_CONFIG_DIR), else from
 * the AlertWarden package (LAMBDA_TASK_ROOT in Lambda), never from the current directory: the
 * same setting must name the same file whichever folder the CLI is started from.
 */
import { isAbsolute, posix, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { HTTP_URL, isRemoteLocation as isRemote, readTextAt } from '../../adapters/read-location.ts';
import { S3_URL } from '../../adapters/read-text.ts';
import { PACKAGE_ROOT } from '../../core/paths.ts';

export { configDirOf } from '../../core/paths.ts';
import { BlocklistError } from './errors.ts';
import { parseBlocklistYielding, type Blocklist } from './parse.ts';

export interface BlocklistSource {
  name: string;
  /** An absolute path, `s3://bucket/key` or an http(s) URL. */
  location: string;
}

const NAMED = /^([A-Za-z0-9][\w.-]*)=(.*)$/;
const LIST_NAME = /^[\w.-]+$/;

/**
 * @example
 * parseSource('tor=s3://intel-bucket/lists/tor-exit.txt', '/srv/alertwarden') // { name: 'tor', location: 's3://intel-bucket/lists/tor-exit.txt' }
 * parseSource('lists/drop.txt', '/srv/alertwarden') // { name: 'drop', location: '/srv/alertwarden/lists/drop.txt' }
 */
export const parseSource = (spec: string, baseDir: string = PACKAGE_ROOT): BlocklistSource => {
  const named = NAMED.exec(spec.trim());
  const written = (named ? (named[2] ?? '') : spec).trim();
  if (written === '') throw new BlocklistError(`blocklist source ${JSON.stringify(spec)} has no location`);
  if (written.startsWith('s3://') && !S3_URL.test(written)) {
    throw new BlocklistError(`blocklist source ${JSON.stringify(written)} must look like s3://bucket/key`);
  }
  if (HTTP_URL.test(written) && !URL.canParse(written)) throw new BlocklistError(`blocklist source ${JSON.stringify(written)} is not a valid URL`);
  const location = isRemote(written) || isAbsolute(written) ? written : resolve(baseDir, written);
  const file = HTTP_URL.test(written) ? new URL(written).pathname : written;
  const name = named?.[1] ?? posix.parse(file).name;
  if (!LIST_NAME.test(name)) {
    throw new BlocklistError(`cannot name the list at ${JSON.stringify(written)}; write it as name=${written}`);
  }
  return { name, location };
};

/**
 * A source written on a command line, made absolute against the folder the user is in, so the
 * CLI's `--blocklists ./mine.txt` means what a shell user expects.
 */
export const sourceFromCommandLine = (spec: string, cwd: string): string => {
  const named = NAMED.exec(spec.trim());
  const written = (named ? (named[2] ?? '') : spec).trim();
  if (written === '' || isRemote(written) || isAbsolute(written)) return spec.trim();
  return `${named ? `${named[1]}=` : ''}${resolve(cwd, written)}`;
};

/** Reads a list's text; failures name the list and its location, with the cause kept. */
export const readBlocklistText = async (source: BlocklistSource, s3: () => S3Client | Promise<S3Client>): Promise<string> => {
  try {
    return await readTextAt(source.location, s3);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BlocklistError(`cannot read blocklist ${source.name} from ${source.location}: ${reason}`, { cause: error });
  }
};

/** Reads and parses one list, yielding to the event loop while it parses. */
export const loadBlocklist = async (source: BlocklistSource, s3: () => S3Client | Promise<S3Client>): Promise<Blocklist> =>
  parseBlocklistYielding(await readBlocklistText(source, s3), source.name, source.location);
