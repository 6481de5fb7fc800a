/**
 * AWS's published address ranges, in the format of https://ip-ranges.amazonaws.com/ip-ranges.json:
 * `{ syncToken, createDate, prefixes: [{ ip_prefix, region, service, network_border_group }],
 * ipv6_prefixes: [{ ipv6_prefix, ... }] }`. AWS lists one CIDR once per service (52.0.0.0/15 as
 * AMAZON and as EC2) and nests prefixes (an EC2_INSTANCE_CONNECT /29 inside an EC2 /14), so a
 * lookup returns every prefix holding the address, most specific first, with their services.
 */
import * as z from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { parseCidr, type IpKey, type IpRange } from '../../core/ip-address.ts';

export interface AwsPrefix {
  prefix: string;
  region: string;
  networkBorderGroup: string;
  services: string[];
}

export interface AwsRanges {
  syncToken: string;
  createDate: string;
  prefixes: number;
  /** Entries whose prefix could not be read; counted, not fatal. */
  skipped: number;
  /** Every listed prefix holding `key`, most specific first. */
  lookup(key: IpKey): AwsPrefix[];
}

// Built on the first document read (z.lazy): every function imports the inspector registry, and
// building zod schemas is a measurable part of each cold start.
export const IpRangesSchema = z.lazy(() => {
  const Entry = z.object({ region: z.string(), service: z.string(), network_border_group: z.string().optional() });
  return z.object({
    syncToken: z.string(),
    createDate: z.string(),
    prefixes: z.array(Entry.extend({ ip_prefix: z.string() })),
    ipv6_prefixes: z.array(Entry.extend({ ipv6_prefix: z.string() })).default([]),
  });
});

/** Base error of the aws-ip-ranges inspector: its ranges file cannot be read or used. */
export class AwsIpRangesError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwsIpRangesError';
  }
}

/** A document that is not in the ip-ranges.json format is an AwsIpRangesError too, naming the first bad field. */
export const AwsIpRangesFormatError = AwsIpRangesError;

const prefixBits = (range: IpRange): number =>
  range.family === 4 ? 32 - Math.log2(range.last - range.first + 1) : 128 - ((range.last - range.first + 1n).toString(2).length - 1);

/**
 * Prefix lengths present, longest first, each with a map from network address to prefix: a
 * lookup masks the address once per length (at most ~30 map reads). ip-ranges.json has ~10,000
 * prefixes, so this stays small and returns the nested prefixes a range table would flatten away.
 */
class PrefixIndex<T extends number | bigint> {
  private readonly byLength = new Map<number, Map<T, AwsPrefix>>();
  private lengths: number[] = [];
  add(bits: number, network: T, prefix: AwsPrefix) {
    let map = this.byLength.get(bits);
    if (!map) {
      map = new Map();
      this.byLength.set(bits, map);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    map.set(network, prefix);
  }
  get(bits: number, network: T) {
    return this.byLength.get(bits)?.get(network);
  }
  all(mask: (bits: number) => T): AwsPrefix[] {
    const found: AwsPrefix[] = [];
    for (const bits of this.lengths) {
      const hit = this.byLength.get(bits)!.get(mask(bits));
      if (hit) found.push(hit);
    }
    return found;
  }
}

const maskV4 = (value: number, bits: number): number => (bits === 0 ? 0 : (value - (value % 2 ** (32 - bits))));
const maskV6 = (value: bigint, bits: number): bigint => (value >> BigInt(128 - bits)) << BigInt(128 - bits);

/**
 * @example
 * const ranges = parseAwsIpRanges(await readFile('ip-ranges.json', 'utf8'));
 * ranges.lookup(parseIp('52.1.1.1')!)[0] // { prefix: '52.0.0.0/15', region: 'us-east-1', services: ['AMAZON', 'EC2'], ... }
 */
export const parseAwsIpRanges = (text: string): AwsRanges => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AwsIpRangesFormatError(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = IpRangesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AwsIpRangesFormatError(`not in the ip-ranges.json format: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const v4 = new PrefixIndex<number>();
  const v6 = new PrefixIndex<bigint>();
  let skipped = 0;
  let prefixes = 0;
  const entries = [
    ...parsed.data.prefixes.map((e) => ({ ...e, cidr: e.ip_prefix })),
    ...parsed.data.ipv6_prefixes.map((e) => ({ ...e, cidr: e.ipv6_prefix })),
  ];
  for (const entry of entries) {
    const range = parseCidr(entry.cidr);
    if (!range) {
      skipped++;
      continue;
    }
    const bits = prefixBits(range);
    const existing = range.family === 4 ? v4.get(bits, range.first) : v6.get(bits, range.first);
    if (existing) {
      if (!existing.services.includes(entry.service)) existing.services.push(entry.service);
      continue;
    }
    const prefix: AwsPrefix = { prefix: entry.cidr, region: entry.region, networkBorderGroup: entry.network_border_group ?? entry.region, services: [entry.service] };
    if (range.family === 4) v4.add(bits, range.first, prefix);
    else v6.add(bits, range.first, prefix);
    prefixes++;
  }
  return {
    syncToken: parsed.data.syncToken,
    createDate: parsed.data.createDate,
    prefixes,
    skipped,
    lookup: (key) => (key.family === 4 ? v4.all((bits) => maskV4(key.value, bits)) : v6.all((bits) => maskV6(key.value, bits))),
  };
};
