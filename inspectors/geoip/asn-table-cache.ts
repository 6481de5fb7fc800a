/**
 * Where the bundled ASN table comes from: a table file (asn-table-file.ts) built once from
 * ip-location-db's CSV and reused by every later process.
 *
 * One path, relative to the package, serves both cases: node_modules/.cache/alertwarden/geoip-asn.bin.
 *   - In the repository (CLI, tests, bench), it is a cache: its header carries the key of the
 *     CSV files it was built from (package version, and each file's name, size and mtime), and
 *     a file with another key, another format, a wrong length or a bad CRC is rebuilt.
 *   - In the inspect Lambda, `sls package` built it (scripts/serverless-geoip-asn-table.cjs)
 *     and serverless.yml ships it instead of the CSVs. With no CSV installed there is nothing
 *     for it to be stale against: it is used when it passes its own checks, and a file that
 *     fails them fails the inspector (GeoipError) rather than answering from it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import { parseAsnCsvs, type AsnTable } from './asn-table.ts';
import { ASN_TABLE_FORMAT_VERSION, encodeAsnTable, openAsnTable } from './asn-table-file.ts';
import { BUNDLED_DATA } from './bundled-data.ts';
import { AsnTableFileError, GeoipError } from './errors.ts';

/** The ASN CSV files of @ip-location-db/asn and the family of their numeric addresses. */
export const BUNDLED_ASN_CSVS = [
  { module: BUNDLED_DATA.asnIpv4, numbers: 4 },
  { module: BUNDLED_DATA.asnIpv6, numbers: 6 },
] as const;

/** The table file, relative to the package root; serverless.yml ships exactly this path with inspect. */
export const ASN_TABLE_PATH = 'node_modules/.cache/alertwarden/geoip-asn.bin';
export const ASN_TABLE_FILE = join(PACKAGE_ROOT, ASN_TABLE_PATH);

export interface AsnCsvFile {
  path: string;
  numbers: 4 | 6;
}

/** CSV files present on disk, and the key a table built from them carries. */
export interface AsnSources {
  files: readonly AsnCsvFile[];
  key: Uint8Array;
}

/**
 * The key of CSV files as they are now: SHA-256 of the table format, the data's version and each
 * file's name, size and mtime. A stat, not a read: hashing the 33 MB would cost a tenth of what
 * the cache saves. Undefined when a file is missing (the Lambda package ships no CSV).
 */
export const asnSourcesOf = async (files: readonly AsnCsvFile[], version: string): Promise<AsnSources | undefined> => {
  const hash = createHash('sha256').update(`alertwarden geoip ASN table format ${ASN_TABLE_FORMAT_VERSION}\ndata ${version}\n`);
  for (const { path, numbers } of files) {
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    hash.update(`${basename(path)} IPv${numbers} ${s.size} ${s.mtimeMs}\n`);
  }
  return { files, key: hash.digest() };
};

const require = createRequire(import.meta.url);

/** @ip-location-db/asn's CSV files, if installed here. */
export const bundledAsnSources = async (): Promise<AsnSources | undefined> => {
  let files: AsnCsvFile[];
  let version: string;
  try {
    files = BUNDLED_ASN_CSVS.map(({ module, numbers }) => ({ path: require.resolve(module), numbers }));
    version = (JSON.parse(await readFile(require.resolve('@ip-location-db/asn/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
  return asnSourcesOf(files, `@ip-location-db/asn ${version}`);
};

/** Reads the CSV files into a table file's bytes, keyed by `sources`. */
export const buildAsnTableBytes = async (sources: AsnSources): Promise<Uint8Array> => {
  const csvs = await Promise.all(
    sources.files.map(async ({ path, numbers }) => {
      try {
        return { text: await readFile(path, 'utf8'), numbers };
      } catch (error) {
        throw new GeoipError(`cannot read the ASN CSV ${path}: ${(error as Error).message}`, { cause: error });
      }
    }),
  );
  return encodeAsnTable(await parseAsnCsvs(csvs), sources.key);
};

/** Written beside its final name and renamed over it, so a reader sees the old file or the whole new one. */
const writeAtomically = async (file: string, bytes: Uint8Array) => {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

/** The file's bytes, undefined when there is none, or why it could not be read. */
const readIfPresent = async (file: string): Promise<Buffer | GeoipError | undefined> => {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return new GeoipError(`cannot read the ASN table ${file}: ${(error as Error).message}`, { cause: error });
  }
};

/** The table in the file when it is sound and (with `sources`) current; else undefined (no file) or why not. */
const tryOpen = async (file: string, sources: AsnSources | undefined): Promise<AsnTable | GeoipError | undefined> => {
  const bytes = await readIfPresent(file);
  if (bytes === undefined || bytes instanceof GeoipError) return bytes;
  try {
    return openAsnTable(bytes, sources?.key);
  } catch (error) {
    if (error instanceof AsnTableFileError) return error;
    throw error;
  }
};

export interface LoadAsnTableOptions {
  logger: PluginLogger;
  /** Default: ASN_TABLE_FILE. */
  file?: string;
  /** Default: bundledAsnSources, the installed @ip-location-db/asn files. */
  sources?: () => Promise<AsnSources | undefined>;
}

/**
 * The bundled ASN table: from the table file when it is sound and current, else built from the
 * CSV and written there for the next process (a read-only install keeps it in memory only).
 */
export const loadBundledAsnTable = async ({ logger, file = ASN_TABLE_FILE, sources: sourcesOf = bundledAsnSources }: LoadAsnTableOptions): Promise<AsnTable> => {
  const sources = await sourcesOf();
  const found = await tryOpen(file, sources);
  if (found && !(found instanceof GeoipError)) return found;
  if (!sources) {
    throw new GeoipError(
      found
        ? `the ASN table ${file} cannot be used and no ASN CSV is installed to rebuild it: ${found.message}`
        : `no ASN table at ${file} and no ASN CSV installed to build it (\`npm run package\` writes it into the inspect package)`,
      { cause: found },
    );
  }
  if (found) logger.warn(`geoip: ${found.message}; building it again from the CSV`, { file });
  else logger.debug('geoip: building the ASN table from the CSV (once; later processes read the file)', { file });
  const bytes = await buildAsnTableBytes(sources);
  try {
    await writeAtomically(file, bytes);
  } catch (error) {
    logger.warn(`geoip: the ASN table could not be cached at ${file} (${(error as Error).message}); this process keeps it in memory`, { file });
  }
  return openAsnTable(bytes, sources.key);
};

/**
 * For packaging: makes sure `file` holds a sound, current table of the installed CSV, building it
 * when not. Throws when there is no CSV or the file cannot be written.
 */
export const ensureAsnTableFile = async (file = ASN_TABLE_FILE, sources?: AsnSources): Promise<{ built: boolean; reason?: string }> => {
  const current = sources ?? (await bundledAsnSources());
  if (!current) throw new GeoipError(`cannot build ${file}: @ip-location-db/asn's CSV files are not installed`);
  const found = await tryOpen(file, current);
  if (found && !(found instanceof GeoipError)) return { built: false };
  await writeAtomically(file, await buildAsnTableBytes(current));
  return { built: true, reason: found ? found.message : 'no table file yet' };
};
