import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { matchAddress, matchDomain } from './match.ts';
import { parseBlocklist, parseBlocklistYielding, parseLine, scanIpv4Line } from './parse.ts';

const parse = (text: string) => parseBlocklist(text, 'test', 'lists/test.txt');
const entryOf = (list: ReturnType<typeof parse>, ip: string) => {
  const hit = matchAddress(list, ip);
  return hit && `${hit.entry}@${hit.line}`;
};

describe('parseBlocklist', () => {
  test('reads addresses, CIDRs and domains, skipping comments and blank lines', () => {
    const list = parse('\uFEFF# header\n\n203.0.113.0/24  # scanners\r\n198.51.100.7\n2001:db8::/32\nEvil.Example.\n   \n; a DROP-style comment\n');
    assert.equal(list.entries, 4);
    assert.equal(entryOf(list, '203.0.113.77'), '203.0.113.0/24@3');
    assert.equal(entryOf(list, '198.51.100.7'), '198.51.100.7@4');
    assert.equal(entryOf(list, '2001:db8:1::1'), '2001:db8::/32@5');
    assert.deepEqual([...list.domains], [['evil.example', 6]]);
    assert.deepEqual(list.skipped, { count: 0, first: [] });
  });

  test('the common feed formats: Spamhaus DROP, DShield block.txt, ranges, hosts files, wildcards', () => {
    const list = parse(
      [
        '; Spamhaus DROP List 2026/11/30',
        '1.10.16.0/20 ; SBL256894',
        '#   DShield.org Recommended Block List',
        'Start\tEnd\tNetblock\tAttacks\tName\tCountry\temail',
        '61.240.144.0\t61.240.144.255\t24\t2497\tCHINANET\tCN\tabuse@example.net',
        '192.0.2.10-192.0.2.20',
        '0.0.0.0 tracker.example',
        '127.0.0.1\tads.example # hosts-file style',
        '*.wild.example',
      ].join('\n'),
    );
    assert.equal(list.skipped.count, 0, JSON.stringify(list.skipped));
    assert.equal(entryOf(list, '1.10.31.255'), '1.10.16.0/20@2');
    assert.equal(entryOf(list, '61.240.144.200'), '61.240.144.0/24@5');
    assert.equal(entryOf(list, '192.0.2.15'), '192.0.2.10-192.0.2.20@6');
    assert.equal(entryOf(list, '192.0.2.21'), undefined);
    assert.equal(entryOf(list, '0.0.0.0'), undefined, 'a hosts-file sink address is not listed');
    assert.deepEqual(matchDomain(list, 'x.tracker.example'), { entry: 'tracker.example', line: 7 });
    assert.deepEqual(matchDomain(list, 'ads.example'), { entry: 'ads.example', line: 8 });
    assert.deepEqual(matchDomain(list, 'a.wild.example'), { entry: 'wild.example', line: 9 });
  });

  test('IPv4-mapped and NAT64 entries are stored as IPv4, and an entry with a zone id as its address', () => {
    const list = parse('::ffff:198.51.100.7\n::ffff:203.0.113.0/120\n64:ff9b::192.0.2.1\nfe80::1%eth0\n');
    assert.equal(entryOf(list, '198.51.100.7'), '198.51.100.7@1');
    assert.equal(entryOf(list, '203.0.113.9'), '203.0.113.0/24@2');
    assert.equal(entryOf(list, '192.0.2.1'), '192.0.2.1@3');
    assert.equal(entryOf(list, 'fe80::1'), 'fe80::1@4');
  });

  test('a malformed line is skipped and counted; the rest of the list still works (issue 10)', () => {
    const bad = ['203.0.113.256', '203.0.113.0/33', '0x7f.1/8', 'evil example', 'http://evil.example/', '-bad.example', '192.0.2.20-192.0.2.10', '203.0.113.7/24'];
    const list = parse(['198.51.100.7', ...bad, 'evil.example', '2001:db8:bad::/48'].join('\n'));
    assert.equal(list.skipped.count, bad.length);
    assert.deepEqual(
      list.skipped.first,
      [
        { line: 2, problem: '"203.0.113.256" is not an IP address, CIDR or domain' },
        { line: 3, problem: '"203.0.113.0/33" is not a valid CIDR' },
        { line: 4, problem: '"0x7f.1/8" is not a valid CIDR' },
        { line: 5, problem: '"evil example" is not an IP address, CIDR or domain' },
        { line: 6, problem: '"http://evil.example/" is not a valid CIDR' },
      ],
      'the first five, for the one warning',
    );
    assert.equal(entryOf(list, '198.51.100.7'), '198.51.100.7@1');
    assert.equal(entryOf(list, '2001:db8:bad::9'), '2001:db8:bad::/48@11');
    assert.deepEqual(matchDomain(list, 'evil.example'), { entry: 'evil.example', line: 10 });
  });

  test('parseLine says what one line lists', () => {
    assert.equal(parseLine('   # only a comment'), undefined);
    assert.deepEqual(parseLine('evil.example ; note'), { domain: 'evil.example' });
    assert.deepEqual(parseLine('a b c'), { problem: '"a b c" is not an IP address, CIDR or domain' });
    assert.deepEqual(parseLine('203.0.113.5\t443\t17 hits'), { range: { family: 4, first: 0xcb007105, last: 0xcb007105 } });
  });

  test('the yielding parse gives the same list', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
    const text = `${lines.join('\n')}\nevil.example\nnot_valid!\n`;
    const a = parse(text);
    const b = await parseBlocklistYielding(text, 'test', 'lists/test.txt');
    assert.equal(b.entries, a.entries);
    assert.equal(b.entries, 50_001);
    assert.deepEqual(b.skipped, a.skipped);
    assert.equal(entryOf(b, '10.195.79.9'), entryOf(a, '10.195.79.9'));
    assert.equal(entryOf(b, '10.195.79.9'), '10.195.79.0/24@50000');
  });

  test('the in-place IPv4 fast path reads a line as parseLine does, or leaves it to parseLine', () => {
    // Lines near the fast path's shape: address-like tokens, prefixes, leading zeros, stray characters.
    const octet = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 12 }, { arbitrary: fc.constantFrom('256', '00', '01', '999', '', '1a', ' 1'), weight: 1 });
    const address = fc.oneof({ arbitrary: fc.array(octet, { minLength: 4, maxLength: 4 }), weight: 4 }, { arbitrary: fc.array(octet, { minLength: 3, maxLength: 5 }), weight: 1 }).map((parts) => parts.join('.'));
    const suffix = fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 40 }).map((bits) => `/${bits}`),
      fc.constantFrom('/', '/032', '/0008', '/3a', '\r', '/24\r', ' ', '\t443', ' # c', '; c', '-1.2.3.4', '/24/8', '\r\r'),
    );
    const line = fc.oneof({ arbitrary: fc.tuple(address, suffix).map(([a, s]) => a + s), weight: 6 }, fc.string({ maxLength: 20 }), fc.tuple(fc.constantFrom(' ', '\uFEFF', '#'), address).map(([p, a]) => p + a));
    let fast = 0;
    const out = new Float64Array(1);
    fc.assert(
      fc.property(fc.tuple(fc.constantFrom('', 'x\n'), line, fc.constantFrom('', '\nx')), ([before, text, after]) => {
        const all = before + text + after;
        const first = scanIpv4Line(all, before.length, before.length + text.length, out);
        if (first === undefined) return;
        fast++;
        assert.deepEqual(parseLine(text), { range: { family: 4, first, last: out[0] } }, JSON.stringify(text));
      }),
      { numRuns: 5_000 },
    );
    assert.ok(fast > 500, `only ${fast} of 5,000 lines took the fast path`);
    // The shapes big feeds are made of take it.
    for (const text of ['203.0.113.7', '203.0.113.0/24', '0.0.0.0/0', '255.255.255.255/32', '198.51.100.0/24\r']) assert.notEqual(scanIpv4Line(text, 0, text.length, out), undefined, text);
  });

  test('the shipped sample list parses cleanly', () => {
    const text = readFileSync(new URL('../../examples/blocklists/known-bad.txt', import.meta.url), 'utf8');
    const list = parse(text);
    assert.equal(list.skipped.count, 0);
    assert.ok(list.entries >= 3);
    assert.ok(list.domains.has('evil.example'));
  });
});
