/**
 * Address lookups the rules need, fast enough for a flow-log line each: is this address one
 * of ours, is this CIDR inside our ranges, is this address on a blocklist. IPv4 — nearly all
 * flow-log traffic — is looked up as a 32-bit number in an Ipv4RangeSet: one for our ranges,
 * one for the IPv4 ranges of every blocklist together (built from the lists' own tables, so a
 * detector and the blocklist inspector can never disagree about what is listed); anything else
 * goes through inspectors/blocklist's own matching.
 */
import ipaddr from 'ipaddr.js';
import { parseIp, parseIpv4 } from '../core/ip-address.ts';
import { Ipv4RangeSet } from '../core/ip-range-table.ts';
import { matchIpKey, type ListHit } from '../inspectors/blocklist/match.ts';
import type { Blocklist } from '../inspectors/blocklist/parse.ts';

/** 0..2^32-1 for a dotted quad, -1 for anything else (IPv6, junk). */
export const ipv4ToNumber = (s: string): number => {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1;
};

/** Bound once: some module loaders reach an imported function through a getter on every call. */
const strictIpv4 = parseIpv4;

type Interval = [start: number, end: number];

const setOf = (intervals: readonly Interval[]): Ipv4RangeSet =>
  Ipv4RangeSet.of(
    intervals.map(([s]) => s),
    intervals.map(([, e]) => e),
  );

/** The IPv4 ranges of every list in one set: a flow-log line asks "on any list?" once per address, not once per list. */
const listedSetOf = (blocklists: readonly Blocklist[]): Ipv4RangeSet => {
  const parts = blocklists.map((list) => list.addresses.intervals.v4);
  const concat = (pick: (p: (typeof parts)[number]) => ArrayLike<number>) => {
    const out = new Uint32Array(parts.reduce((n, p) => n + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  return Ipv4RangeSet.of(
    concat((p) => p.firsts),
    concat((p) => p.lasts),
  );
};

const v4Interval = (base: ipaddr.IPv4, prefix: number): Interval => {
  const start = ipv4ToNumber(base.toString());
  const size = 2 ** (32 - prefix);
  const aligned = start - (start % size);
  return [aligned, aligned + size - 1];
};

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

const parseCidr = (cidr: string): Range => {
  const [base, prefix] = ipaddr.parseCIDR(cidr);
  return base instanceof ipaddr.IPv6 && base.isIPv4MappedAddress() && prefix >= 96 ? [base.toIPv4Address(), prefix - 96] : [base, prefix];
};

export interface NetworkMatcher {
  /** Whether any blocklist was loaded: without one, rules need not read an address to ask. */
  readonly hasBlocklists: boolean;
  isInternal(address: string): boolean;
  /** Whether every address of `cidr` lies inside one of our ranges. */
  cidrIsInternal(cidr: string): boolean;
  /** The blocklist entries `address` is on (empty when none). */
  listings(address: string): ListHit[];
  /** Whether `address` is on any blocklist: `listings(address).length > 0` without allocating for an IPv4 miss. */
  isListed(address: string): boolean;
  /**
   * isListed for an IPv4 address already read (strictly, as parseIpv4 reads it) as its 32 bits:
   * a uint32, or the int32 that `x | 0` makes of it, which hot paths pass (see Ipv4RangeSet).
   */
  isListedV4(address: number): boolean;
  /** isInternal for an IPv4 address already read as its 32 bits (uint32 or int32, as isListedV4). */
  isInternalV4(address: number): boolean;
}

export const createNetworkMatcher = (internalCidrs: readonly string[], blocklists: readonly Blocklist[] = []): NetworkMatcher => {
  const internal = internalCidrs.map(parseCidr);
  const internalV4 = setOf(internal.filter(([b]) => b.kind() === 'ipv4').map(([b, p]) => v4Interval(b as ipaddr.IPv4, p)));
  const listedV4 = listedSetOf(blocklists);
  const hasLists = blocklists.length > 0;

  const slowInternal = (address: string): boolean => {
    if (!ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    return internal.some(([base, prefix]) => base.kind() === parsed.kind() && parsed.match([base, prefix] as never));
  };

  return {
    hasBlocklists: hasLists,
    isInternal(address) {
      const n = ipv4ToNumber(address);
      return n >= 0 ? internalV4.has(n) : slowInternal(address);
    },
    cidrIsInternal(cidr) {
      let range: Range;
      try {
        range = parseCidr(cidr);
      } catch {
        return false;
      }
      const [base, prefix] = range;
      return internal.some(([b, p]) => b.kind() === base.kind() && prefix >= p && base.match([b, p] as never));
    },
    isListed(address) {
      if (!hasLists) return false;
      // The inspector's own strict IPv4 parse, so both agree on odd spellings (leading zeros).
      const n = strictIpv4(address);
      return n === undefined ? this.listings(address).length > 0 : this.isListedV4(n);
    },
    isListedV4(n) {
      return listedV4.has(n);
    },
    isInternalV4(n) {
      return internalV4.has(n);
    },
    listings(address) {
      if (!hasLists) return [];
      const key = parseIp(address);
      if (!key) return [];
      return blocklists.flatMap((list) => {
        const hit = matchIpKey(list, key);
        return hit ? [{ ...hit, list: list.name, host: address }] : [];
      });
    },
  };
};
