/**
 * IP addresses as numbers, so ranges can live in typed arrays: IPv4 as a uint32 `number`,
 * IPv6 as a 128-bit `bigint`. The IPv6 spellings of an IPv4 host (IPv4-mapped ::ffff:a.b.c.d
 * and NAT64 64:ff9b::a.b.c.d) are folded to IPv4, and a zone id (fe80::1%eth0) is dropped, so a
 * listed address matches however an alert happens to write it.
 */
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;
export type IpKey = { family: 4; value: number } | { family: 6; value: bigint };
/** An inclusive range of one family. */
export type IpRange = { family: 4; first: number; last: number } | { family: 6; first: bigint; last: bigint };

const IPV4_MAPPED_PREFIX = 0xffffn; // ::ffff:0:0/96, the top 96 bits
const NAT64_PREFIX = 0x0064_ff9b_0000_0000_0000_0000n; // 64:ff9b::/96 (RFC 6052 well-known prefix)
const LOW_32 = 0xffff_ffffn;
const ALL_128 = (1n << 128n) - 1n;

const CODE_0 = 48;
const CODE_DOT = 46;

/**
 * Strict dotted-decimal IPv4 (as node:net accepts it: no leading zeros, no hex, four parts),
 * of all of `text` or of text[start, end) (a list line read in place, without slicing it out).
 * Hand-written because it runs once per lookup and per list line: a million-line list parses
 * in well under a second this way.
 */
export const parseIpv4 = (text: string, start = 0, end = text.length): number | undefined => {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - CODE_0;
    if (c >= 0 && c <= 9) {
      if (leadingZero) return undefined;
      if (digits === 0 && c === 0) leadingZero = true;
      part = part * 10 + c;
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === CODE_DOT - CODE_0) {
      if (digits === 0 || ++parts > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      leadingZero = false;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || parts !== 3) return undefined;
  return value * 256 + part;
};

/** A 128-bit IPv6 value as a key: IPv4-mapped and NAT64 addresses fold to the IPv4 address they carry. */
export const foldIpv6 = (value: bigint): IpKey => {
  const top = value >> 32n;
  if (top === IPV4_MAPPED_PREFIX || top === NAT64_PREFIX) return { family: 4, value: Number(value & LOW_32) };
  return { family: 6, value };
};

const groupsOf = (text: string): number[] => (text === '' ? [] : text.split(':').map((group) => parseInt(group, 16)));

/**
 * An IPv6 address node:net accepts, as a number. Written by hand rather than with a library:
 * node:net has already validated the text, and this runs in every Lambda bundle (kept small)
 * and half a million times when the ASN table loads.
 */
const ipv6Value = (raw: string): bigint | undefined => {
  if (isIP(raw) !== 6) return undefined;
  // A zone id (fe80::1%eth0) names an interface, not part of the address.
  const zone = raw.indexOf('%');
  let text = zone >= 0 ? raw.slice(0, zone) : raw;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1))!;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const gap = text.indexOf('::');
  const head = groupsOf(gap >= 0 ? text.slice(0, gap) : text);
  const rest = gap >= 0 ? groupsOf(text.slice(gap + 2)) : [];
  const zeros = gap >= 0 ? 8 - head.length - rest.length - tail.length : 0;
  let value = 0n;
  for (const group of [...head, ...Array<number>(zeros).fill(0), ...rest, ...tail]) value = (value << 16n) | BigInt(group);
  return value;
};

/**
 * An address as a number, or undefined when `text` is not an IP address. Accepts `[v6]` as
 * URLs write it and drops an IPv6 zone id; folds IPv4-mapped and NAT64 forms to IPv4.
 *
 * @example
 * parseIp('::ffff:203.0.113.9') // { family: 4, value: 3405803785 }
 */
export const parseIp = (raw: string): IpKey | undefined => {
  const v4 = parseIpv4(raw);
  if (v4 !== undefined) return { family: 4, value: v4 };
  // Every IPv6 form has a colon; skipping the IPv6 parser otherwise keeps list loading fast.
  if (!raw.includes(':')) return undefined;
  const text = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  const v6 = ipv6Value(text);
  return v6 === undefined ? undefined : foldIpv6(v6);
};

/**
 * `a.b.c.d/n` or `v6/n` as an inclusive range; a CIDR inside ::ffff:0:0/96 or 64:ff9b::/96 with
 * a prefix of at least 96 becomes the IPv4 range it names. Host bits set below the prefix are
 * refused (203.0.113.7/24 is most likely a typo for an address or for .0/24).
 */
export const parseCidr = (text: string): IpRange | undefined => {
  const slash = text.indexOf('/');
  if (slash <= 0) return undefined;
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const address = text.slice(0, slash);
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    if (bits > 32) return undefined;
    const size = 2 ** (32 - bits);
    if (v4 % size !== 0) return undefined;
    return { family: 4, first: v4, last: v4 + size - 1 };
  }
  const v6 = address.includes(':') ? ipv6Value(address) : undefined;
  if (v6 === undefined || bits > 128) return undefined;
  const hostMask = ALL_128 >> BigInt(bits);
  if ((v6 & hostMask) !== 0n) return undefined;
  const top = v6 >> 32n;
  if (bits >= 96 && (top === IPV4_MAPPED_PREFIX || top === NAT64_PREFIX)) {
    const first = Number(v6 & LOW_32);
    return { family: 4, first, last: first + 2 ** (128 - bits) - 1 };
  }
  return { family: 6, first: v6, last: v6 | hostMask };
};

/** `first-last` or `first last` of one family, first <= last. */
export const rangeOf = (first: IpKey, last: IpKey): IpRange | undefined => {
  if (first.family === 4 && last.family === 4) return first.value <= last.value ? { family: 4, first: first.value, last: last.value } : undefined;
  if (first.family === 6 && last.family === 6) return first.value <= last.value ? { family: 6, first: first.value, last: last.value } : undefined;
  return undefined;
};

export const formatIpv4 = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

/** RFC 5952: lower case, no leading zeros, the longest run (first on a tie) of two or more zero groups as `::`. */
export const formatIpv6 = (value: bigint): string => {
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((value >> shift) & 0xffffn));
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => parts.slice(from, to).map((p) => p.toString(16)).join(':');
  return bestAt < 0 ? hex(0, 8) : `${hex(0, bestAt)}::${hex(bestAt + bestLength, 8)}`;
};

export const formatIp = (key: IpKey): string => (key.family === 4 ? formatIpv4(key.value) : formatIpv6(key.value));

/** A range as a list would write it: an address, a CIDR when it is one, else `first-last`. */
export const formatRange = (range: IpRange): string => {
  if (range.family === 4) {
    if (range.first === range.last) return formatIpv4(range.first);
    const size = range.last - range.first + 1;
    const bits = 32 - Math.log2(size);
    if (Number.isInteger(bits) && range.first % size === 0) return `${formatIpv4(range.first)}/${bits}`;
    return `${formatIpv4(range.first)}-${formatIpv4(range.last)}`;
  }
  if (range.first === range.last) return formatIpv6(range.first);
  const size = range.last - range.first + 1n;
  if ((size & (size - 1n)) === 0n && range.first % size === 0n) return `${formatIpv6(range.first)}/${128 - (size.toString(2).length - 1)}`;
  return `${formatIpv6(range.first)}-${formatIpv6(range.last)}`;
};

export const contains = (range: IpRange, key: IpKey): boolean =>
  range.family === key.family && range.first <= key.value && key.value <= range.last;

/** Address blocks that are not on the public internet, with the label an analyst reads (RFC 6890 and successors). */
const SPECIAL_PURPOSE = '0.0.0.0/8=this-network 10.0.0.0/8=private 100.64.0.0/10=carrier-grade-nat 127.0.0.0/8=loopback 169.254.0.0/16=link-local 172.16.0.0/12=private 192.0.0.0/24=protocol-assignments 192.0.2.0/24=documentation 192.88.99.0/24=reserved 192.168.0.0/16=private 198.18.0.0/15=benchmarking 198.51.100.0/24=documentation 203.0.113.0/24=documentation 224.0.0.0/4=multicast 240.0.0.0/4=reserved 255.255.255.255/32=broadcast ::/128=unspecified ::1/128=loopback 100::/64=discard-only 2001:db8::/32=documentation 3fff::/20=documentation fc00::/7=unique-local fe80::/10=link-local ff00::/8=multicast'.split(' ').map((e) => e.split('='));
type Special<R> = R & { label: string };
let special: { v4: Special<{ first: number; last: number }>[]; v6: Special<{ first: bigint; last: bigint }>[] } | undefined;
// Parsed on first use, not at import: parsing the IPv6 blocks runs node:net's IPv6 check, whose
// regular expression takes milliseconds to compile, in the cold start of every function, most
// of which never classify an address.
const specialRanges = () => {
  if (special) return special;
  const ranges = SPECIAL_PURPOSE.map(([cidr, label]) => ({ ...parseCidr(cidr!)!, label: label! }));
  return (special = {
    v4: ranges.filter((s): s is Special<{ family: 4; first: number; last: number }> => s.family === 4),
    v6: ranges.filter((s): s is Special<{ family: 6; first: bigint; last: bigint }> => s.family === 6),
  });
};

/**
 * The special-purpose block an address is in ('private', 'loopback', 'link-local',
 * 'carrier-grade-nat', 'documentation', 'multicast', ...), or undefined for a public address.
 *
 * @example
 * specialPurposeOf(parseIp('100.64.1.2')!) // 'carrier-grade-nat'
 */
export const specialPurposeOf = (key: IpKey): string | undefined => {
  // A plain loop over one family's blocks: this runs before every geoip and AWS-ranges lookup.
  const { v4, v6 } = specialRanges();
  if (key.family === 4) {
    const value = key.value;
    for (const s of v4) if (s.first <= value && value <= s.last) return s.label;
    return undefined;
  }
  const value = key.value;
  for (const s of v6) if (s.first <= value && value <= s.last) return s.label;
  return undefined;
};
