/**
 * Address lookups the rules need, fast enough for a flow-log line each: is this address one
 * of ours, is this CIDR inside our ranges, is this address on a blocklist. IPv4 — nearly all
 * flow-log traffic — is looked up as a 32-bit number in sorted, merged intervals; blocklist
 * lookups go through inspectors/blocklist's own matching (one binary search per list), so a
 * detector and the blocklist inspector can never disagree about what is listed.
 */
import ipaddr from 'ipaddr.js';
import { parseIp, parseIpv4 } from '../core/ip-address.ts';
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

/** Sorted, non-overlapping intervals; lookups by binary search. */
const mergeIntervals = (intervals: Interval[]): Float64Array => {
  intervals.sort((a, b) => a[0] - b[0]);
  const merged: Interval[] = [];
  for (const [s, e] of intervals) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return Float64Array.from(merged.flat());
};

const inIntervals = (flat: Float64Array, n: number): boolean => {
  let lo = 0;
  let hi = flat.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (n < flat[mid * 2]!) hi = mid - 1;
    else if (n > flat[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
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
  isInternal(address: string): boolean;
  /** Whether every address of `cidr` lies inside one of our ranges. */
  cidrIsInternal(cidr: string): boolean;
  /** The blocklist entries `address` is on (empty when none). */
  listings(address: string): ListHit[];
  /** Whether `address` is on any blocklist: `listings(address).length > 0` without allocating for an IPv4 miss. */
  isListed(address: string): boolean;
  /** isListed for an IPv4 address already read as a number (strictly, as parseIpv4 reads it). */
  isListedV4(address: number): boolean;
  /** isInternal for an IPv4 address already read as a number. */
  isInternalV4(address: number): boolean;
}

export const createNetworkMatcher = (internalCidrs: readonly string[], blocklists: readonly Blocklist[] = []): NetworkMatcher => {
  const internal = internalCidrs.map(parseCidr);
  const internalV4 = mergeIntervals(internal.filter(([b]) => b.kind() === 'ipv4').map(([b, p]) => v4Interval(b as ipaddr.IPv4, p)));
  const hasLists = blocklists.length > 0;

  const slowInternal = (address: string): boolean => {
    if (!ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    return internal.some(([base, prefix]) => base.kind() === parsed.kind() && parsed.match([base, prefix] as never));
  };

  return {
    isInternal(address) {
      const n = ipv4ToNumber(address);
      return n >= 0 ? inIntervals(internalV4, n) : slowInternal(address);
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
      for (const list of blocklists) if (list.addresses.containsV4(n)) return true;
      return false;
    },
    isInternalV4(n) {
      return inIntervals(internalV4, n);
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
