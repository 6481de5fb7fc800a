/**
 * The blocklist inspector: is this IP, domain or URL host on one of our lists?
 *
 * Lists are loaded by `prepare` (at start locally, before the first inspection in Lambda);
 * a list that cannot be read fails that loudly, naming its location. After that an inspection
 * only looks up: when a list is older than the refresh interval, a background reload starts
 * and the inspection answers from the lists it has. A failed reload keeps the earlier list.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type Lazy } from '../../adapters/aws-clients.ts';
import { defineInspector, type FindingInput, type Inspector, type PluginLogger } from '../../core/plugins.ts';
import { BlocklistError } from './errors.ts';
import { findListings, type ListHit } from './match.ts';
import type { Blocklist } from './parse.ts';
import { configDirOf } from '../../core/paths.ts';
import { loadBlocklist, parseSource, type BlocklistSource } from './sources.ts';

export { BlocklistError } from './errors.ts';
export { findListings, hostOf, matchAddress, matchDomain, matchIpKey, type ListedEntry, type ListHit } from './match.ts';
export { parseBlocklist, type Blocklist } from './parse.ts';
export { loadBlocklist, parseSource, sourceFromCommandLine, type BlocklistSource } from './sources.ts';

export const BLOCKLIST_ENV = 'ALERTWARDEN_BLOCKLISTS';
export const BLOCKLIST_REFRESH_ENV = 'ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS';
const DEFAULT_REFRESH_MS = 5 * 60_000;

export interface BlocklistInspectorOptions {
  /** File path, `s3://bucket/key` or http(s) URL, each optionally prefixed with `name=`. */
  sources: string[];
  /** Folder relative paths are read from; default: the AlertWarden package. */
  baseDir?: string;
  /** Needed only for s3:// sources; a default client is created on first use when omitted. */
  s3?: Lazy<S3Client>;
  now?: () => number;
  /** How old a list may get before a background reload (default 5 minutes). */
  refreshIntervalMs?: number;
}

export interface BlocklistInspector extends Inspector {
  /** Settles when the reload running in the background (if any) is done; for tests and shutdown. */
  refreshed(): Promise<void>;
}

const toFinding = (hit: ListHit, url: boolean): FindingInput => ({
  verdict: 'malicious',
  title: `listed in ${hit.list}`,
  source: hit.list,
  detail: { list: hit.list, entry: hit.entry, line: hit.line, ...(url ? { host: hit.host } : {}) },
});

/**
 * @example
 * const blocklist = createBlocklistInspector({
 *   sources: ['examples/blocklists/known-bad.txt', 'tor=s3://intel-bucket/tor-exit-nodes.txt', 'https://feeds.example/drop.txt'],
 * });
 */
export const createBlocklistInspector = (options: BlocklistInspectorOptions): BlocklistInspector => {
  const sources = options.sources.map((spec) => parseSource(spec, options.baseDir));
  const names = sources.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  // Findings name the list, so two lists with one name could not be told apart.
  if (duplicate) throw new BlocklistError(`two blocklists are named ${duplicate}; name one with name=location`);

  const now = options.now ?? Date.now;
  const refreshMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
  let s3 = options.s3;
  const s3Client = async () => (s3 ? clientOf(s3) : (s3 = new (await import('@aws-sdk/client-s3')).S3Client({})));
  let lists: Blocklist[] | undefined;
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  let refreshing: Promise<void> | undefined;
  const reportedSkips = new Map<string, number>();

  const load = async (source: BlocklistSource, logger: PluginLogger): Promise<Blocklist> => {
    const list = await loadBlocklist(source, s3Client);
    // Bad lines are reported once per list, and again only when their number changes.
    if (list.skipped.count > 0 && reportedSkips.get(source.name) !== list.skipped.count) {
      logger.warn(`blocklist ${source.name}: ${list.skipped.count} malformed line(s) skipped`, {
        list: source.name,
        location: source.location,
        skipped: list.skipped.count,
        first: list.skipped.first.map((s) => `line ${s.line}: ${s.problem}`),
      });
    }
    reportedSkips.set(source.name, list.skipped.count);
    return list;
  };

  const prepare = async ({ logger }: { logger: PluginLogger }): Promise<void> => {
    if (lists) return;
    // Concurrent first inspections share one load.
    loading ??= Promise.all(sources.map((source) => load(source, logger)))
      .then((loaded) => {
        lists = loaded;
        loadedAt = now();
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const refreshInBackground = (current: Blocklist[], logger: PluginLogger) => {
    if (refreshing || now() - loadedAt < refreshMs) return;
    refreshing = Promise.all(
      sources.map(async (source, i) => {
        try {
          current[i] = await load(source, logger);
        } catch (error) {
          // A list that was good a moment ago beats no list; try again after another interval.
          logger.warn(`blocklist ${source.name} refresh failed; keeping the list loaded earlier`, { error: String(error) });
        }
      }),
    ).then(() => {
      loadedAt = now();
      refreshing = undefined;
    });
  };

  const inspector = defineInspector({
    name: 'blocklist',
    accepts: ['ipaddr', 'domain', 'url'],
    prepare,
    async inspect(attribute, ctx) {
      if (sources.length === 0) return { findings: [] };
      if (!lists) await prepare(ctx);
      const current = lists!;
      refreshInBackground(current, ctx.logger);
      const hits = findListings(current, attribute);
      return { findings: hits.map((hit) => toFinding(hit, attribute.type === 'url')) };
    },
  });
  return Object.assign(inspector, { refreshed: async () => void (await refreshing) });
};

/**
 * Builds the inspector from `ALERTWARDEN_BLOCKLISTS` (comma-separated sources; relative paths
 * from ALERTWARDEN_CONFIG_DIR or the package) and `ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS`.
 * Unset or empty gives an inspector without lists, which finds nothing.
 *
 * @example
 * // ALERTWARDEN_BLOCKLISTS="known-bad=examples/blocklists/known-bad.txt,s3://intel/tor-exit-nodes.txt"
 * const blocklist = blocklistFromEnv(process.env, s3);
 */
export const blocklistFromEnv = (env: Record<string, string | undefined>, s3?: Lazy<S3Client>): BlocklistInspector => {
  const sources = (env[BLOCKLIST_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const refresh = env[BLOCKLIST_REFRESH_ENV];
  if (refresh !== undefined && refresh !== '' && !/^\d+$/.test(refresh)) {
    throw new BlocklistError(`${BLOCKLIST_REFRESH_ENV}: ${JSON.stringify(refresh)} is not a whole number of seconds`);
  }
  return createBlocklistInspector({
    sources,
    baseDir: configDirOf(env),
    ...(refresh ? { refreshIntervalMs: Number(refresh) * 1000 } : {}),
    ...(s3 ? { s3 } : {}),
  });
};
