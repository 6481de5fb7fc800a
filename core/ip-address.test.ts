import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { formatIp, formatRange, parseCidr, parseIp, parseIpv4, specialPurposeOf } from './ip-address.ts';

const v4 = (text: string) => {
  const key = parseIp(text);
  assert.equal(key?.family, 4, text);
  return formatIp(key);
};

describe('parseIp', () => {
  test('IPv4 dotted decimal, strictly', () => {
    assert.equal(parseIpv4('203.0.113.9'), 0xcb007109);
    assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
    for (const bad of ['203.0.113', '203.0.113.9.1', '203.0.113.256', '203.0.113.09', '0x7f.0.0.1', '1..2.3', '', '203.0.113.9 ', '1.2.3.-4']) {
      assert.equal(parseIpv4(bad), undefined, bad);
    }
  });

  test('agrees with node:net on random dotted quads', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }), fc.boolean(), (parts, pad) => {
        const text = parts.map((p) => (pad && p < 10 ? `0${p}` : String(p))).join('.');
        const valid = parts.every((p) => p <= 255) && !(pad && parts.some((p) => p < 10));
        assert.equal(parseIpv4(text) !== undefined, valid, text);
      }),
    );
  });

  test('folds IPv4-mapped and NAT64 forms to IPv4, drops zone ids and URL brackets', () => {
    assert.equal(v4('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(v4('::FFFF:cb00:7109'), '203.0.113.9');
    assert.equal(v4('64:ff9b::203.0.113.9'), '203.0.113.9');
    assert.equal(v4('64:ff9b::cb00:7109'), '203.0.113.9');
    assert.equal(formatIp(parseIp('2001:db8:bad::1%eth0')!), '2001:db8:bad::1');
    assert.equal(formatIp(parseIp('[2001:DB8::1]')!), '2001:db8::1');
    // 64:ff9b:1::/48 is the local-use NAT64 prefix: its mapping is operator-defined, so not folded.
    assert.equal(parseIp('64:ff9b:1::cb00:7109')?.family, 6);
  });

  test('refuses what is not an address', () => {
    for (const bad of ['evil.example', '2001:db8::g', '%eth0', '1.2.3.4%eth0', '[1.2.3.4', '::ffff:1.2.3.4.5']) assert.equal(parseIp(bad), undefined, bad);
  });
});

describe('parseCidr', () => {
  test('IPv4 and IPv6 blocks as inclusive ranges', () => {
    assert.deepEqual(parseCidr('203.0.113.0/24'), { family: 4, first: 0xcb007100, last: 0xcb0071ff });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { family: 4, first: 0, last: 0xffffffff });
    assert.deepEqual(parseCidr('2001:db8::/126'), { family: 6, first: 0x20010db8n << 96n, last: (0x20010db8n << 96n) + 3n });
  });

  test('mapped and NAT64 CIDRs of /96 or longer become IPv4 ranges', () => {
    assert.equal(formatRange(parseCidr('::ffff:203.0.113.0/120')!), '203.0.113.0/24');
    assert.equal(formatRange(parseCidr('64:ff9b::cb00:7100/120')!), '203.0.113.0/24');
  });

  test('refuses bad prefixes and set host bits', () => {
    for (const bad of ['203.0.113.0/33', '203.0.113.7/24', '203.0.113.0/', '/24', '203.0.113.0/24/1', '2001:db8::1/64', '2001:db8::/129', '0x7f.1/8', 'evil.example/24', '203.0.113.0/+8']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });
});

test('formatRange writes addresses, CIDRs and other ranges as a list would', () => {
  assert.equal(formatRange({ family: 4, first: 0xcb007109, last: 0xcb007109 }), '203.0.113.9');
  assert.equal(formatRange({ family: 4, first: 0xcb007100, last: 0xcb0071ff }), '203.0.113.0/24');
  assert.equal(formatRange({ family: 4, first: 0xcb007101, last: 0xcb0071ff }), '203.0.113.1-203.0.113.255');
  assert.equal(formatRange(parseCidr('2001:db8:bad::/48')!), '2001:db8:bad::/48');
});

test('special-purpose blocks are labelled; public addresses are not', () => {
  const label = (text: string) => specialPurposeOf(parseIp(text)!);
  assert.equal(label('10.1.2.3'), 'private');
  assert.equal(label('172.31.255.255'), 'private');
  assert.equal(label('172.32.0.1'), undefined);
  assert.equal(label('192.168.0.1'), 'private');
  assert.equal(label('127.0.0.1'), 'loopback');
  assert.equal(label('::1'), 'loopback');
  assert.equal(label('169.254.169.254'), 'link-local');
  assert.equal(label('fe80::1%eth0'), 'link-local');
  assert.equal(label('100.64.0.1'), 'carrier-grade-nat');
  assert.equal(label('100.128.0.1'), undefined);
  assert.equal(label('198.51.100.7'), 'documentation');
  assert.equal(label('2001:db8::1'), 'documentation');
  assert.equal(label('224.0.0.251'), 'multicast');
  assert.equal(label('ff02::1'), 'multicast');
  assert.equal(label('fd00::1'), 'unique-local');
  assert.equal(label('::ffff:10.0.0.1'), 'private');
  assert.equal(label('8.8.8.8'), undefined);
  assert.equal(label('2606:4700::1111'), undefined);
});

describe('IPv6 text', () => {
  // ipaddr.js (a dependency of the detectors) as the reference: parse its spellings back, and write what it writes.
  test('parses every spelling ipaddr.js writes, and writes RFC 5952 as ipaddr.js does', async () => {
    const { default: ipaddr } = await import('ipaddr.js');
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (parts) => {
        const address = new ipaddr.IPv6(parts);
        const expected = parts.reduce((acc, p) => (acc << 16n) | BigInt(p), 0n);
        for (const text of [address.toString(), address.toNormalizedString()]) {
          const key = parseIp(text);
          if (key?.family === 4) continue; // mapped/NAT64 forms fold to IPv4, checked elsewhere
          assert.equal(key?.value, expected, text);
        }
        const key = parseIp(address.toString());
        if (key?.family === 6) assert.equal(formatIp(key), address.toRFC5952String());
      }),
      { numRuns: 500 },
    );
    assert.equal(parseIp('1:2:3:4:5:6:7.8.9.10')?.value, 0x0001_0002_0003_0004_0005_0006_0708_090an);
    assert.equal(parseIp('::7.8.9.10')?.value, 0x0708_090an);
  });
});
