/** Looks one attribute up in the loaded lists: one hit per list at most, the most specific entry. */
import { isIP } from 'node:net';
import type { AttributeType } from '../../core/alert.ts';
import { addressKey, normaliseDomain, parseAddress, type Blocklist, type ListedEntry, type ListedRange } from './parse.ts';

export interface ListHit extends ListedEntry {
  list: string;
  /** What was looked up: the address or domain itself, or a URL's host. */
  host: string;
}

export const matchAddress = (list: Blocklist, value: string): ListedEntry | undefined => {
  const address = parseAddress(value);
  const exact = list.addresses.get(addressKey(address));
  if (exact) return exact;
  let best: ListedRange | undefined;
  for (const listed of list.ranges) {
    const [base, prefix] = listed.range;
    // ipaddr.js throws when asked to match an IPv4 address against an IPv6 range.
    if (base.kind() === address.kind() && address.match(listed.range) && (!best || prefix > best.range[1])) best = listed;
  }
  return best;
};

/** evil.example matches a.b.evil.example; the longest listed suffix wins. */
export const matchDomain = (list: Blocklist, value: string): ListedEntry | undefined => {
  const labels = normaliseDomain(value).split('.');
  for (let i = 0; i < labels.length; i++) {
    const hit = list.domains.get(labels.slice(i).join('.'));
    if (hit) return hit;
  }
  return undefined;
};

/** A URL's host as a bare address or domain; the URL parser has already normalised forms like http://0x7f.1/. */
export const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1') || undefined;
  } catch {
    return undefined;
  }
};

export const findListings = (lists: readonly Blocklist[], attribute: { type: AttributeType; value: string }): ListHit[] => {
  const host = attribute.type === 'url' ? hostOf(attribute.value) : attribute.value;
  if (!host) return [];
  // A "domain" attribute holding an address is looked up as an address: that is what it is.
  const match = isIP(host) !== 0 ? matchAddress : matchDomain;
  return lists.flatMap((list) => {
    const hit = match(list, host);
    return hit ? [{ ...hit, list: list.name, host }] : [];
  });
};
