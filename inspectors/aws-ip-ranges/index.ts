/**
 * The aws-ip-ranges inspector: does this address belong to AWS, and to which service and
 * region? Answers from AWS's published ip-ranges.json, loaded by `prepare` and reloaded in
 * the background every ALERTWARDEN_AWS_IP_RANGES_REFRESH_SECONDS (default one day); an
 * inspection never fetches it. The bundled snapshot (ip-ranges.snapshot.json) is a small
 * sample in the real format, since the full file cannot be fetched offline: a deployment
 * points ALERTWARDEN_AWS_IP_RANGES at a copy of the real file in S3 (or at AWS's URL).
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { clientOf, type Lazy } from '../../adapters/aws-clients.ts';
import { isRemoteLocation, readTextAt } from '../../adapters/read-location.ts';
import { parseIp, specialPurposeOf } from '../../core/ip-address.ts';
import { configDirOf, PACKAGE_ROOT } from '../../core/paths.ts';
import { defineInspector, type FindingInput, type Inspector, type PluginLogger } from '../../core/plugins.ts';
import { refreshedValue } from '../../core/refreshed-value.ts';
import { AwsIpRangesError, parseAwsIpRanges, type AwsPrefix, type AwsRanges } from './ranges.ts';

export { AwsIpRangesError, AwsIpRangesFormatError, parseAwsIpRanges, type AwsPrefix, type AwsRanges } from './ranges.ts';

export const AWS_IP_RANGES_ENV = 'ALERTWARDEN_AWS_IP_RANGES';
export const AWS_IP_RANGES_REFRESH_ENV = 'ALERTWARDEN_AWS_IP_RANGES_REFRESH_SECONDS';
/** Package-relative; serverless.yml ships it with the inspect function. */
export const BUNDLED_SNAPSHOT = 'inspectors/aws-ip-ranges/ip-ranges.snapshot.json';
const DEFAULT_REFRESH_MS = 24 * 3600_000;

export interface AwsIpRangesInspectorOptions {
  /** Absolute path, `s3://bucket/key` or http(s) URL of an ip-ranges.json; default: the bundled snapshot. */
  location?: string;
  s3?: Lazy<S3Client>;
  refreshIntervalMs?: number;
  now?: () => number;
}

export interface AwsIpRangesInspector extends Inspector {
  /** Settles when a background reload (if any) is done; for tests. */
  refreshed(): Promise<void>;
}

/** The service an analyst cares about: the most specific one that is not the catch-all AMAZON. */
const mainService = (matches: AwsPrefix[]): string => {
  for (const match of matches) {
    const specific = match.services.find((s) => s !== 'AMAZON');
    if (specific) return specific;
  }
  return 'AMAZON';
};

const toFinding = (matches: AwsPrefix[], ranges: AwsRanges): FindingInput => {
  const [innermost] = matches as [AwsPrefix, ...AwsPrefix[]];
  const service = mainService(matches);
  const where = innermost.region === 'GLOBAL' ? 'global' : innermost.region;
  return {
    verdict: 'info',
    title: `AWS ${service} address (${where})`,
    source: 'aws-ip-ranges',
    detail: {
      service,
      region: innermost.region,
      network_border_group: innermost.networkBorderGroup,
      prefix: innermost.prefix,
      services: [...new Set(matches.flatMap((m) => m.services))],
      prefixes: matches.map((m) => m.prefix),
      ranges_create_date: ranges.createDate,
    },
  };
};

/**
 * @example
 * const awsRanges = createAwsIpRangesInspector({ location: 's3://my-config/aws-ip-ranges/ip-ranges.json' });
 */
export const createAwsIpRangesInspector = (options: AwsIpRangesInspectorOptions = {}): AwsIpRangesInspector => {
  const location = options.location ?? join(PACKAGE_ROOT, BUNDLED_SNAPSHOT);
  let s3 = options.s3;
  const s3Client = async () => (s3 ? clientOf(s3) : (s3 = new (await import('@aws-sdk/client-s3')).S3Client({})));
  let logger: PluginLogger | undefined;
  const load = async (): Promise<AwsRanges> => {
    let text: string;
    try {
      text = await readTextAt(location, s3Client);
    } catch (error) {
      throw new AwsIpRangesError(`cannot read AWS IP ranges from ${location}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const ranges = parseAwsIpRanges(text);
      return ranges;
    } catch (error) {
      throw new AwsIpRangesError(`${location}: ${(error as Error).message}`, { cause: error });
    }
  };
  const ranges = refreshedValue(load, {
    intervalMs: options.refreshIntervalMs ?? DEFAULT_REFRESH_MS,
    ...(options.now ? { now: options.now } : {}),
    onRefreshError: (error) => logger?.warn('aws-ip-ranges refresh failed; keeping the ranges loaded earlier', { location, error: String(error) }),
  });

  const inspector = defineInspector({
    name: 'aws-ip-ranges',
    accepts: ['ipaddr'],
    async prepare(ctx) {
      logger ??= ctx.logger;
      await ranges.ready();
    },
    async inspect(attribute, ctx) {
      logger ??= ctx.logger;
      const key = parseIp(attribute.value);
      if (!key || specialPurposeOf(key)) return { findings: [] };
      const loaded = ranges.current() ?? (await ranges.ready());
      const matches = loaded.lookup(key);
      return { findings: matches.length > 0 ? [toFinding(matches, loaded)] : [] };
    },
  });
  return Object.assign(inspector, { refreshed: () => ranges.settled() });
};

/**
 * From ALERTWARDEN_AWS_IP_RANGES (a path relative to ALERTWARDEN_CONFIG_DIR or the package,
 * `s3://bucket/key` or an https URL; unset: the bundled snapshot) and
 * ALERTWARDEN_AWS_IP_RANGES_REFRESH_SECONDS.
 */
export const awsIpRangesFromEnv = (env: Record<string, string | undefined>, s3?: Lazy<S3Client>): AwsIpRangesInspector => {
  const written = env[AWS_IP_RANGES_ENV]?.trim();
  const refresh = env[AWS_IP_RANGES_REFRESH_ENV]?.trim();
  if (refresh && !/^\d+$/.test(refresh)) throw new AwsIpRangesError(`${AWS_IP_RANGES_REFRESH_ENV}: ${JSON.stringify(refresh)} is not a whole number of seconds`);
  if (written?.startsWith('s3://') && !/^s3:\/\/[^/]+\/.+$/.test(written)) throw new AwsIpRangesError(`${AWS_IP_RANGES_ENV}: ${JSON.stringify(written)} must look like s3://bucket/key`);
  const location = !written ? undefined : isRemoteLocation(written) || written.startsWith('/') ? written : join(configDirOf(env), written);
  return createAwsIpRangesInspector({
    ...(location ? { location } : {}),
    ...(refresh ? { refreshIntervalMs: Number(refresh) * 1000 } : {}),
    ...(s3 ? { s3 } : {}),
  });
};
