/**
 * Blocklist matching, the API other parts reuse (the flow-log rule matches addresses with it):
 *
 *   const lists = await loadBlocklists(['known-bad=examples/blocklists/known-bad.txt']);  // sources.ts
 *   matchAddress(lists[0], '::ffff:203.0.113.9')   // { entry: '203.0.113.0/24', line: 5 }
 *   findListings(lists, { type: 'url', value: 'https://login.evil.example/x' })
 *
 * One hit per list at most: the most specific entry holding the value.
 */
import type { AttributeType } from '../../core/alert.ts';
import { formatRange, parseIp, type IpKey } from '../../core/ip-address.ts';
import { normaliseDomain, type Blocklist } from './parse.ts';

export interface ListedEntry {
  /** The entry in canonical form (`203.0.113.0/24`, `evil.example`), for the finding's detail. */
  entry: string;
  line: number;
}

export interface ListHit extends ListedEntry {
  list: string;
  /** What was looked up: the address or domain itself, or a URL's host. */
  host: string;
}

/** For callers that parse once and test many lists (a flow-log record against every list). */
export const matchIpKey = (list: Blocklist, key: IpKey): ListedEntry | undefined => {
  const hit = list.addresses.lookup(key);
  return hit && { entry: formatRange(hit.range), line: hit.value };
};

/** `value` in any spelling parseIp accepts (mapped, NAT64, zone id, brackets); undefined when it is not an address. */
export const matchAddress = (list: Blocklist, value: string): ListedEntry | undefined => {
  const key = parseIp(value);
  return key && matchIpKey(list, key);
};

/** evil.example matches a.b.evil.example; the longest listed suffix wins. */
export const matchDomain = (list: Blocklist, value: string): ListedEntry | undefined => {
  const domain = normaliseDomain(value);
  for (let at = 0; at >= 0; at = domain.indexOf('.', at) + 1 || -1) {
    const suffix = domain.slice(at);
    const line = list.domains.get(suffix);
    if (line !== undefined) return { entry: suffix, line };
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
  const key = parseIp(host);
  return lists.flatMap((list) => {
    const hit = key ? matchIpKey(list, key) : matchDomain(list, host);
    return hit ? [{ ...hit, list: list.name, host }] : [];
  });
};
