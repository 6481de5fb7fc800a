/**
 * Parses one blocklist. Format: one entry per line (IPv4/IPv6 address, CIDR or domain), `#`
 * starts a comment. Strict on purpose: a typo such as 203.0.113.256 must fail at load, not
 * become a "domain" that never matches.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { BlocklistSyntaxError } from './errors.ts';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type IpRange = [IpAddress, number];

export interface ListedEntry {
  /** The entry as written in the list, for the finding's detail. */
  entry: string;
  line: number;
}

export interface ListedRange extends ListedEntry {
  range: IpRange;
}

export interface Blocklist {
  name: string;
  location: string;
  /** Single addresses keyed by their normalised form: a lookup instead of a scan, since most lists are mostly single IPs. */
  addresses: Map<string, ListedEntry>;
  ranges: ListedRange[];
  /** Lower case, without trailing dot. */
  domains: Map<string, ListedEntry>;
}

// The attribute schema's DNS-name check, on an already lower-cased name without trailing dot.
const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$/;
const ALL_DIGITS_AND_DOTS = /^[\d.]+$/;

/** IPv4-mapped IPv6 (::ffff:203.0.113.9) is converted to IPv4, so both spellings match the same entries. */
export const parseAddress = (address: string): IpAddress => ipaddr.process(address);

export const addressKey = (address: IpAddress): string => address.toNormalizedString();

export const normaliseDomain = (domain: string): string => domain.toLowerCase().replace(/\.$/, '');

const parseRange = (text: string): IpRange | undefined => {
  const [address = '', bits = '', ...rest] = text.split('/');
  // net.isIP, not ipaddr.js, decides validity: ipaddr.js also accepts forms like "0x7f.1".
  const family = isIP(address);
  const max = family === 4 ? 32 : family === 6 ? 128 : 0;
  if (rest.length > 0 || max === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  const [base, prefix] = ipaddr.parseCIDR(text);
  if (base instanceof ipaddr.IPv6 && base.isIPv4MappedAddress() && prefix >= 96) return [base.toIPv4Address(), prefix - 96];
  return [base, prefix];
};

const keepFirst = (map: Map<string, ListedEntry>, key: string, value: ListedEntry) => {
  if (!map.has(key)) map.set(key, value);
};

/**
 * @example
 * const list = parseBlocklist('203.0.113.0/24\nevil.example # phishing\n', 'known-bad', 'lists/known-bad.txt');
 */
export const parseBlocklist = (text: string, name: string, location: string): Blocklist => {
  const list: Blocklist = { name, location, addresses: new Map(), ranges: [], domains: new Map() };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    // '#' cannot occur in an address or a domain, so it can start a comment anywhere.
    const entry = raw.replace(/#.*/, '').trim();
    if (entry === '') return;
    const listed = { entry, line };
    if (isIP(entry) !== 0) {
      keepFirst(list.addresses, addressKey(parseAddress(entry)), listed);
    } else if (entry.includes('/')) {
      const range = parseRange(entry);
      if (!range) throw new BlocklistSyntaxError(location, line, `${JSON.stringify(entry.slice(0, 80))} is not a valid CIDR`);
      const [base, prefix] = range;
      if (prefix === (base.kind() === 'ipv4' ? 32 : 128)) keepFirst(list.addresses, addressKey(base), listed);
      else list.ranges.push({ ...listed, range });
    } else {
      const domain = normaliseDomain(entry);
      if (ALL_DIGITS_AND_DOTS.test(domain) || !DOMAIN.test(domain)) {
        throw new BlocklistSyntaxError(location, line, `${JSON.stringify(entry.slice(0, 80))} is not an IP address, CIDR or domain`);
      }
      keepFirst(list.domains, domain, listed);
    }
  });
  return list;
};
