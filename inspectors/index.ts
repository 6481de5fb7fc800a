/**
 * The inspectors a deployment runs. To add your own: write it in one file (or folder) under
 * `inspectors/`, e.g. `inspectors/my-intel/index.ts` exporting
 * `defineInspector({ name: 'my-intel', accepts: ['ipaddr'], inspect })`, test it with
 * `runInspector` from `core/testing.ts`, then add it to the array below (or to OPT_IN when it
 * calls an account's APIs or a third party, which run only when named): with the default
 * `inspectors` param (empty: every registered inspector) that is the one change. An inspector
 * that lives elsewhere (another stack, any language) needs no code here at all: name its Lambda
 * in the `externalInspectors` param (core/external-plugins.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lazy } from '../adapters/aws-clients.ts';
import { ConfigError } from '../core/errors.ts';
import type { Inspector } from '../core/plugins.ts';
import type { AttributeType } from '../core/alert.ts';
import type { SecretReader } from '../core/secrets.ts';
import type { InspectionBudget, SightingReader } from '../core/store.ts';
import { defineInspector } from '../core/plugins.ts';
import { awsIpRangesFromEnv } from './aws-ip-ranges/index.ts';
import { blocklistFromEnv } from './blocklist/index.ts';
import { geoipFromEnv } from './geoip/index.ts';

export interface InspectorClients {
  s3?: Lazy<S3Client>;
  /** API keys of the external intel inspectors, by SSM parameter name. */
  secrets?: SecretReader;
  /** The report store: earlier sightings (correlation) and per-report lookup budgets (intel). */
  store?: SightingReader & InspectionBudget;
}


export type Env = Record<string, string | undefined>;
export type InspectorFactory = (env: Env, clients: InspectorClients) => Inspector | undefined;

/**
 * Inspectors that query an account's AWS APIs, described here
 * by name and the types they accept; their code is registered by `inspectors/opt-in.ts`, which
 * only the inspect function (and local runs) import. Every function needs the list (planning
 * routes by it), but only inspect runs them: the others' bundles stay small for cold starts.
 *
 * They are built only when ALERTWARDEN_INSPECTORS names them: an empty list means "every
 * inspector" and must not start describing an account's instances (with IAM it has not been
 * given) because a new inspector shipped.
 */
export const OPT_IN_CATALOG: Record<string, { accepts: readonly AttributeType[]; timeoutMs?: number; requires?: string }> = {
  'aws-ec2': { accepts: ['aws_instance_id', 'ipaddr'] },
  'aws-iam': { accepts: ['username', 'aws_access_key_id', 'aws_arn'] },
  // Up to maxEvents / 50 sequential LookupEvents pages at CloudTrail's 2 calls/s per account and region.
  'aws-cloudtrail-history': { accepts: ['aws_access_key_id', 'username', 'ipaddr'], timeoutMs: 30_000 },
  // Adds a sighting write per new attribute of every report while enabled, hence opt-in.
  correlation: { accepts: ['ipaddr', 'domain', 'url', 'username', 'filehash', 'aws_instance_id', 'aws_access_key_id', 'aws_account_id', 'aws_arn'] },
  // Third parties: off without the SSM parameter name of an API key.
  abuseipdb: { accepts: ['ipaddr'], requires: 'ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER' },
  greynoise: { accepts: ['ipaddr'], requires: 'ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER' },
};

export { recordsSightings } from './sightings.ts';

const factories = new Map<string, InspectorFactory>();

/** Called by inspectors/opt-in.ts with the implementations of OPT_IN_CATALOG. */
export const registerOptInInspectors = (implementations: Record<string, InspectorFactory>): void => {
  for (const [name, factory] of Object.entries(implementations)) factories.set(name, factory);
};

/** What a function that does not run inspections holds for one: its routing metadata. */
const routingOnly = (name: string): Inspector => {
  const entry = OPT_IN_CATALOG[name]!;
  return defineInspector({
    name,
    accepts: entry.accepts,
    ...(entry.timeoutMs ? { timeoutMs: entry.timeoutMs } : {}),
    inspect: () => {
      throw new ConfigError(`inspector ${name} runs in the inspect function only (import inspectors/opt-in.ts to run it here)`);
    },
  });
};

const optIn = (env: Env, clients: InspectorClients, named: Set<string>): Inspector[] =>
  Object.keys(OPT_IN_CATALOG).flatMap((name) => {
    if (!named.has(name)) return [];
    const requires = OPT_IN_CATALOG[name]!.requires;
    // Every function checks, so a missing key fails each cold start, not every inspection quietly.
    if (requires && !env[requires]?.trim()) throw new ConfigError(`inspector ${name} is enabled but ${requires} (the SSM parameter holding its API key) is not set`);
    const factory = factories.get(name);
    const inspector = factory ? factory(env, clients) : routingOnly(name);
    return inspector ? [inspector] : [];
  });

const namedIn = (env: Env): Set<string> =>
  new Set(
    (env.ALERTWARDEN_INSPECTORS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/**
 * @example
 * const inspectors = builtinInspectors(process.env, { s3: new S3Client({}) });
 */
export const builtinInspectors = (env: Env, clients: InspectorClients = {}): Inspector[] => {
  const named = namedIn(env);
  return [
    blocklistFromEnv(env, clients.s3),
    geoipFromEnv(env),
    awsIpRangesFromEnv(env, clients.s3),
    ...optIn(env, clients, named),
  ];
};
