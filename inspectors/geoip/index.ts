/**
 * The geoip inspector: where a public address is (country, and city/region/coordinates when
 * the database has them) and which autonomous system announces it, fully offline.
 *
 * Data shipped in npm packages (licences and dates in the README):
 *   - location: @ip-location-db/geo-whois-asn-country-mmdb (CC0, country level), read with mmdb-lib;
 *   - ASN and AS organisation: @ip-location-db/asn (CC BY 4.0, RouteViews + NRO + DB-IP), a CSV
 *     turned once into a binary range table that later processes load with one read (asn-table-cache.ts).
 * ALERTWARDEN_GEOIP_LOCATION_DB / ALERTWARDEN_GEOIP_ASN_DB may name other MMDB files instead
 * (GeoLite2-City / GeoLite2-ASN, DB-IP city lite...); both MaxMind's and ip-location-db's
 * record layouts are read. Private, loopback, link-local, CGNAT, documentation and multicast
 * addresses are labelled as such and not looked up.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import type { Reader, Response } from 'mmdb-lib';
import { formatIp, formatRange, parseIp, specialPurposeOf, type IpKey } from '../../core/ip-address.ts';
import { configDirOf } from '../../core/paths.ts';
import { defineInspector, type FindingInput, type Inspector, type PluginLogger } from '../../core/plugins.ts';
import type { AsnTable } from './asn-table.ts';
import { BUNDLED_DATA } from './bundled-data.ts';
import { GeoipError } from './errors.ts';
import { MmdbTree } from './mmdb-tree.ts';

export const GEOIP_LOCATION_DB_ENV = 'ALERTWARDEN_GEOIP_LOCATION_DB';
export const GEOIP_ASN_DB_ENV = 'ALERTWARDEN_GEOIP_ASN_DB';

export { BUNDLED_DATA };
export { GeoipError };

export interface GeoipInspectorOptions {
  /** An .mmdb file with country (and maybe city) records; default: the bundled country database. */
  locationDb?: string;
  /** An .mmdb ASN database; default: the bundled ASN CSV. */
  asnDb?: string;
}

export interface Location {
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

type LooseRecord = Record<string, unknown>;
const field = (record: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as LooseRecord)[key] : undefined), record);
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** ip-location-db records are flat (`country_code`, `city`, `state1`); MaxMind's nest (`country.iso_code`, `city.names.en`). */
export const locationOf = (record: unknown): Location => {
  const location: Location = {};
  const country = text(field(record, 'country_code')) ?? text(field(record, 'country', 'iso_code'));
  const region = text(field(record, 'state1')) ?? text(field(record, 'subdivisions', '0', 'names', 'en'));
  const city = text(field(record, 'city')) ?? text(field(record, 'city', 'names', 'en'));
  const latitude = number(field(record, 'latitude')) ?? number(field(record, 'location', 'latitude'));
  const longitude = number(field(record, 'longitude')) ?? number(field(record, 'location', 'longitude'));
  if (country) location.country = country;
  if (region) location.region = region;
  if (city) location.city = city;
  if (latitude !== undefined && longitude !== undefined) Object.assign(location, { latitude, longitude });
  return location;
};

interface AsnLookup {
  lookup(key: IpKey): { asn: number; organisation?: string; network?: string } | undefined;
}

interface Databases {
  location: (key: IpKey) => Location;
  asn: AsnLookup;
}

interface Mmdb {
  reader: Reader<Response>;
  tree: MmdbTree;
}

/** What geoip knows about one public address; its parts are shared between lookups, hence read-only. */
export interface GeoipAnswer {
  location: Readonly<Location>;
  asn?: { asn: number; organisation?: string; network?: string };
}

export interface Geoip {
  /** undefined for a special-purpose address; `{ location: {} }` when the databases know nothing. */
  lookup(key: IpKey): GeoipAnswer | undefined;
}

const require = createRequire(import.meta.url);

/**
 * mmdb-lib is required at run time, not bundled: every function's bundle carries the plugin
 * registry, and only inspect reads a database, so the library ships as a file in the inspect
 * package (serverless.yml) instead of adding ~9 KB to every cold start.
 */
const loadReaderClass = (): typeof Reader => (require('mmdb-lib') as typeof import('mmdb-lib')).Reader;

const readDatabase = async (path: string, what: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (error) {
    throw new GeoipError(`cannot read the geoip ${what} database ${path}: ${(error as Error).message}`, { cause: error });
  }
};

const openMmdb = async (path: string, what: string): Promise<Mmdb> => {
  const data = await readDatabase(path, what);
  try {
    const reader = new (loadReaderClass())<Response>(data);
    return { reader, tree: new MmdbTree(data, reader.metadata) };
  } catch (error) {
    throw new GeoipError(`${path} is not a MaxMind DB (.mmdb) file: ${(error as Error).message}`, { cause: error });
  }
};

/** Decoded records kept per database; past this many (a city database has ~10^5) the cache starts over. */
const MAX_CACHED_RECORDS = 50_000;

/**
 * A lookup that walks the tree and decodes each record once: a database holds far fewer
 * records than networks (the bundled country one: a few hundred records for ~10^5 networks),
 * and a decoded answer never changes, so it is frozen and shared. A record is decoded through
 * mmdb-lib itself, on the address that first reached it, so answers are mmdb-lib's.
 */
const cachedLookup = <T>({ reader, tree }: Mmdb, decode: (record: unknown) => T): ((key: IpKey) => T) => {
  const cache = new Map<number, T>();
  return (key) => {
    const pointer = tree.pointerOf(key);
    const cached = cache.get(pointer);
    if (cached !== undefined || cache.has(pointer)) return cached as T;
    const value = decode(pointer ? reader.get(formatIp(key)) : null);
    if (cache.size >= MAX_CACHED_RECORDS) cache.clear();
    cache.set(pointer, value);
    return value;
  };
};

const asnOf = (record: unknown): GeoipAnswer['asn'] => {
  const asn = number(field(record, 'autonomous_system_number'));
  if (asn === undefined) return undefined;
  const organisation = text(field(record, 'autonomous_system_organization'));
  return Object.freeze({ asn, ...(organisation ? { organisation } : {}) });
};

const mmdbAsn = (mmdb: Mmdb): AsnLookup => ({ lookup: cachedLookup(mmdb, asnOf) });

const csvAsn = (table: AsnTable): AsnLookup => ({
  lookup(key) {
    const hit = table.lookup(key);
    return hit && { asn: hit.asn, organisation: hit.organisation, network: formatRange(hit.range) };
  },
});

/**
 * The databases, loaded, behind one lookup; what the inspector and the benchmark use.
 *
 * @example
 * const geoip = await loadGeoip({}, logger);
 * geoip.lookup(parseIp('8.8.8.8')!) // { location: { country: 'US' }, asn: { asn: 15169, organisation: 'Google LLC', network: '8.8.8.0/24' } }
 */
export const loadGeoip = async (options: GeoipInspectorOptions, logger: PluginLogger): Promise<Geoip> => {
  const { location: locationAt, asn: asnDb } = await loadDatabases(options, logger);
  return {
    lookup(key) {
      if (specialPurposeOf(key)) return undefined;
      const location = locationAt(key);
      const asn = asnDb.lookup(key);
      return asn ? { location, asn } : { location };
    },
  };
};

/**
 * The bundled ASN table, loaded once per process (~14 MB of typed arrays over one file read):
 * every geoip inspector a process builds (each local pipeline, the CLI's, a test worker's)
 * shares it. A failed load is not kept, so a later prepare() retries.
 */
let bundledAsn: Promise<AsnTable> | undefined;
const bundledAsnTable = (logger: PluginLogger): Promise<AsnTable> => {
  if (!bundledAsn) {
    // import(): every function's bundle carries the plugin registry, only inspect loads the table.
    bundledAsn = import('./asn-table-cache.ts').then(({ loadBundledAsnTable }) => loadBundledAsnTable({ logger }));
    bundledAsn.catch(() => (bundledAsn = undefined));
  }
  return bundledAsn;
};

const loadDatabases = async (options: GeoipInspectorOptions, logger: PluginLogger): Promise<Databases> => {
  const locationPath = options.locationDb ?? require.resolve(BUNDLED_DATA.location);
  const [location, asn] = await Promise.all([
    openMmdb(locationPath, 'location'),
    options.asnDb
      ? openMmdb(options.asnDb, 'ASN').then(mmdbAsn)
      : bundledAsnTable(logger).then(csvAsn),
  ]);
  return { location: cachedLookup(location, (record) => Object.freeze(locationOf(record))), asn };
};

const describe = (location: Location, asn: { asn: number; organisation?: string } | undefined): string => {
  const where = [location.city, location.region, location.country].filter(Boolean).join(', ');
  const who = asn ? `AS${asn.asn}${asn.organisation ? ` ${asn.organisation}` : ''}` : '';
  return [where, who].filter(Boolean).join(' — ');
};

/**
 * @example
 * const geoip = createGeoipInspector({}); // the bundled databases
 * const geoipCity = createGeoipInspector({ locationDb: '/opt/GeoLite2-City.mmdb', asnDb: '/opt/GeoLite2-ASN.mmdb' });
 */
export const createGeoipInspector = (options: GeoipInspectorOptions = {}): Inspector => {
  let geoip: Geoip | undefined;
  let loading: Promise<Geoip> | undefined;
  const prepare = async ({ logger }: { logger: PluginLogger }) => {
    if (geoip) return;
    loading ??= loadGeoip(options, logger).finally(() => {
      loading = undefined;
    });
    geoip = await loading;
  };

  return defineInspector({
    name: 'geoip',
    accepts: ['ipaddr'],
    prepare,
    async inspect(attribute, ctx) {
      const key = parseIp(attribute.value);
      if (!key) return { findings: [] };
      const special = specialPurposeOf(key);
      if (special) {
        const finding: FindingInput = { verdict: 'info', title: `${special} address, not looked up`, source: 'geoip', detail: { range: special } };
        return { findings: [finding] };
      }
      if (!geoip) await prepare(ctx);
      const { location, asn } = geoip!.lookup(key) ?? { location: {} };
      const title = describe(location, asn);
      if (!title) return { findings: [] };
      const detail: Record<string, unknown> = { ...location };
      if (asn) Object.assign(detail, { asn: asn.asn, ...(asn.organisation ? { as_organisation: asn.organisation } : {}), ...(asn.network ? { as_network: asn.network } : {}) });
      return { findings: [{ verdict: 'info', title, source: 'geoip', detail }] };
    },
  });
};

/**
 * Builds the inspector from ALERTWARDEN_GEOIP_LOCATION_DB and ALERTWARDEN_GEOIP_ASN_DB (unset:
 * the bundled data); relative paths are read from ALERTWARDEN_CONFIG_DIR, else the package.
 */
export const geoipFromEnv = (env: Record<string, string | undefined>): Inspector => {
  const base = configDirOf(env);
  const path = (name: string) => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    return isAbsolute(value) ? value : resolve(base, value);
  };
  const locationDb = path(GEOIP_LOCATION_DB_ENV);
  const asnDb = path(GEOIP_ASN_DB_ENV);
  return createGeoipInspector({ ...(locationDb ? { locationDb } : {}), ...(asnDb ? { asnDb } : {}) });
};
