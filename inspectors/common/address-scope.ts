import { BlockList, isIP } from 'node:net';
import { formatIp, parseIp, specialPurposeOf } from '../../core/ip-address.ts';

/**
 * Where an address can live: `private` (RFC 1918, unique-local IPv6), `shared` (CGNAT
 * 100.64/10, also used inside VPCs), `special` (loopback, link-local, documentation,
 * multicast, unspecified: never a network interface's), or `public`.
 */
export type AddressScope = 'private' | 'shared' | 'special' | 'public';

const ranges = (entries: [string, number, 'ipv4' | 'ipv6'][]) => {
  const list = new BlockList();
  for (const [net, prefix, family] of entries) list.addSubnet(net, prefix, family);
  return list;
};

const PRIVATE = ranges([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const SHARED = ranges([['100.64.0.0', 10, 'ipv4']]);
const SPECIAL = ranges([
  ['0.0.0.0', 8, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

export const addressScope = (ip: string): AddressScope => {
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (SPECIAL.check(ip, family)) return 'special';
  if (PRIVATE.check(ip, family)) return 'private';
  if (SHARED.check(ip, family)) return 'shared';
  return 'public';
};

/**
 * The address an outside service may be asked about: `value` in its plain form (IPv4-mapped and
 * NAT64 spellings folded to IPv4, zone id and brackets dropped), or undefined when it is not an
 * address or lies in a special-purpose block (private, CGNAT, loopback, documentation...). A
 * private address written as `::ffff:10.1.2.3` must not leave the account either.
 */
export const publicAddressOf = (value: string): string | undefined => {
  const key = parseIp(value);
  return key && specialPurposeOf(key) === undefined ? formatIp(key) : undefined;
};

/** `value` in its plain form when it is an address (see publicAddressOf), else undefined. */
export const plainAddressOf = (value: string): string | undefined => {
  const key = parseIp(value);
  return key ? formatIp(key) : undefined;
};
