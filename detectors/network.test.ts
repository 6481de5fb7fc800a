import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { findListings } from '../inspectors/blocklist/match.ts';
import { parseBlocklist } from '../inspectors/blocklist/parse.ts';
import { createNetworkMatcher, ipv4ToNumber } from './network.ts';

describe('network matcher', () => {
  test('ipv4ToNumber reads dotted quads only', () => {
    expect(ipv4ToNumber('10.0.1.25')).toBe(167772441);
    expect(ipv4ToNumber('255.255.255.255')).toBe(4294967295);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '1..2.3', '::1', '', '-', '01234.1.1.1', '1.2.3.4 ']) expect(ipv4ToNumber(bad), bad).toBe(-1);
  });

  test('internal ranges and CIDR containment', () => {
    const m = createNetworkMatcher(['10.0.0.0/8', '192.168.0.0/16', 'fc00::/7']);
    expect([m.isInternal('10.255.0.1'), m.isInternal('11.0.0.1'), m.isInternal('fd00::1'), m.isInternal('2001:db8::1'), m.isInternal('junk')]).toEqual([true, false, true, false, false]);
    expect([m.cidrIsInternal('10.20.0.0/16'), m.cidrIsInternal('0.0.0.0/0'), m.cidrIsInternal('10.0.0.0/7'), m.cidrIsInternal('::/0'), m.cidrIsInternal('nope')]).toEqual([true, false, false, false, false]);
  });

  test('blocklist lookups agree with the blocklist inspector\'s own matching, for any IPv4 address', () => {
    const list = parseBlocklist('203.0.113.0/24\n198.51.100.7\n10.1.0.0/16\n192.0.2.128/25\n2001:db8:bad::/48\n', 'known-bad', 'mem');
    const m = createNetworkMatcher([], [list]);
    const near = fc.oneof(fc.ipV4(), fc.constantFrom('203.0.113.0', '203.0.113.255', '203.0.114.0', '203.0.112.255', '198.51.100.7', '198.51.100.8', '192.0.2.127', '192.0.2.128', '10.1.255.255', '10.2.0.0'));
    fc.assert(
      fc.property(near, (ip) => {
        expect(m.listings(ip)).toEqual(findListings([list], { type: 'ipaddr', value: ip }));
        expect(m.isListed(ip)).toBe(m.listings(ip).length > 0);
      }),
      { numRuns: 2000 },
    );
    expect(m.listings('2001:db8:bad::1')).toHaveLength(1);
    expect([m.isListed('2001:db8:bad::1'), m.isListed('::ffff:203.0.113.9'), m.isListed('2001:db8::1')]).toEqual([true, true, false]);
  });

  test('isListedV4 asks every list at once, for an address as uint32 or as the int32 `| 0` makes of it', () => {
    const lists = [parseBlocklist('203.0.113.0/24\n', 'scanners', 'mem'), parseBlocklist('198.51.100.7\n10.1.0.0/16\n', 'c2', 'mem'), parseBlocklist('evil.example\n', 'domains', 'mem')];
    const m = createNetworkMatcher(['10.0.0.0/8'], lists);
    for (const ip of ['203.0.113.0', '203.0.113.255', '198.51.100.7', '10.1.0.0', '10.1.255.255', '203.0.114.0', '198.51.100.8', '10.2.0.0', '255.255.255.255', '0.0.0.0']) {
      const u = ipv4ToNumber(ip);
      expect([m.isListedV4(u), m.isListedV4(u | 0)], ip).toEqual([m.isListed(ip), m.isListed(ip)]);
      expect([m.isInternalV4(u), m.isInternalV4(u | 0)], ip).toEqual([m.isInternal(ip), m.isInternal(ip)]);
    }
    expect(['203.0.113.9', '198.51.100.7', '10.1.2.3', '203.0.112.255'].map((ip) => m.isListedV4(ipv4ToNumber(ip) | 0))).toEqual([true, true, true, false]);
    expect(createNetworkMatcher([], []).isListedV4(ipv4ToNumber('203.0.113.9'))).toBe(false);
  });
});
