/**
 * The blocklist inspector: is this IP, domain or URL host on one of our lists?
 * Lists are read on first use and kept for the life of the Lambda container, re-read after
 * `cacheTtlMs` so an updated list in S3 takes effect without a deploy.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type Lazy } from '../../adapters/aws-clients.ts';
import { defineInspector, type FindingInput, type Inspector, type PluginLogger } from '../../core/plugins.ts';
import { BlocklistError } from './errors.ts';
import { findListings, type ListHit } from './match.ts';
import type { Blocklist } from './parse.ts';
import { loadBlocklist, parseSource } from './sources.ts';

export { BlocklistError, BlocklistSyntaxError } from './errors.ts';

export const BLOCKLIST_ENV = 'ALERTWARDEN_BLOCKLISTS';
const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

export interface BlocklistInspectorOptions {
  /** `path/to/list.txt`, `s3://bucket/key`, optionally prefixed with `name=`. */
  sources: string[];
  /** Needed only for s3:// sources; a default client is created when omitted. */
  s3?: Lazy<S3Client>;
  now?: () => number;
  cacheTtlMs?: number;
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
 *   sources: ['examples/blocklists/known-bad.txt', 'tor=s3://intel-bucket/tor-exit-nodes.txt'],
 *   s3: new S3Client({}),
 * });
 */
export const createBlocklistInspector = (options: BlocklistInspectorOptions): Inspector => {
  const sources = options.sources.map(parseSource);
  const names = sources.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  // Findings name the list, so two lists with one name could not be told apart.
  if (duplicate) throw new BlocklistError(`two blocklists are named ${duplicate}; name one with name=location`);

  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  let s3 = options.s3;
  const s3Client = async () => (s3 ? clientOf(s3) : (s3 = new (await import('@aws-sdk/client-s3')).S3Client({})));
  let cached: { lists: Blocklist[]; loadedAt: number } | undefined;
  let loading: Promise<Blocklist[]> | undefined;

  const lists = async (logger: PluginLogger): Promise<Blocklist[]> => {
    if (cached && now() - cached.loadedAt < ttl) return cached.lists;
    // Concurrent inspections of one container share a single read.
    loading ??= Promise.all(sources.map((source) => loadBlocklist(source, s3Client)))
      .then((loaded) => {
        cached = { lists: loaded, loadedAt: now() };
        return loaded;
      })
      .finally(() => {
        loading = undefined;
      });
    if (!cached) return loading;
    const stale = cached;
    try {
      return await loading;
    } catch (error) {
      // A list that was good a moment ago beats no list; try again after another TTL.
      logger.warn('blocklist refresh failed; keeping the lists loaded earlier', { error: String(error) });
      stale.loadedAt = now();
      return stale.lists;
    }
  };

  return defineInspector({
    name: 'blocklist',
    accepts: ['ipaddr', 'domain', 'url'],
    async inspect(attribute, ctx) {
      if (sources.length === 0) return { findings: [] };
      const hits = findListings(await lists(ctx.logger), attribute);
      return { findings: hits.map((hit) => toFinding(hit, attribute.type === 'url')) };
    },
  });
};

/**
 * Builds the inspector from `ALERTWARDEN_BLOCKLISTS` (comma-separated sources). Unset or empty
 * gives an inspector without lists, which finds nothing.
 *
 * @example
 * // ALERTWARDEN_BLOCKLISTS="known-bad=examples/blocklists/known-bad.txt,s3://intel/tor-exit-nodes.txt"
 * const blocklist = blocklistFromEnv(process.env, s3);
 */
export const blocklistFromEnv = (env: Record<string, string | undefined>, s3?: Lazy<S3Client>): Inspector => {
  const sources = (env[BLOCKLIST_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return createBlocklistInspector({ sources, ...(s3 ? { s3 } : {}) });
};
