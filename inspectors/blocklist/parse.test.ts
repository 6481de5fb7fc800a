import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'vitest';
import { BlocklistSyntaxError } from './errors.ts';
import { parseBlocklist } from './parse.ts';

const parse = (text: string) => parseBlocklist(text, 'test', 'lists/test.txt');

describe('parseBlocklist', () => {
  test('reads addresses, CIDRs and domains, skipping comments and blank lines', () => {
    const list = parse('\uFEFF# header\n\n203.0.113.0/24  # scanners\r\n198.51.100.7\n2001:db8::/32\nEvil.Example.\n   \n');
    assert.deepEqual([...list.addresses.keys()], ['198.51.100.7']);
    assert.deepEqual(
      list.ranges.map((r) => [r.entry, r.line, r.range[0].toString(), r.range[1]]),
      [
        ['203.0.113.0/24', 3, '203.0.113.0', 24],
        ['2001:db8::/32', 5, '2001:db8::', 32],
      ],
    );
    assert.deepEqual([...list.domains], [['evil.example', { entry: 'Evil.Example.', line: 6 }]]);
  });

  test('stores IPv4-mapped IPv6 entries as IPv4, and full-length CIDRs as addresses', () => {
    const list = parse('::ffff:198.51.100.7\n::ffff:203.0.113.0/120\n192.0.2.1/32\n');
    assert.deepEqual([...list.addresses.keys()], ['198.51.100.7', '192.0.2.1']);
    assert.equal(list.ranges[0]?.range[0].kind(), 'ipv4');
    assert.equal(list.ranges[0]?.range[1], 24);
  });

  for (const [bad, problem] of [
    ['203.0.113.256', /is not an IP address, CIDR or domain/],
    ['203.0.113.0/33', /is not a valid CIDR/],
    ['0x7f.1/8', /is not a valid CIDR/],
    ['evil example', /is not an IP address, CIDR or domain/],
    ['http://evil.example/', /is not a valid CIDR/],
    ['-bad.example', /is not an IP address, CIDR or domain/],
  ] as const) {
    test(`refuses ${JSON.stringify(bad)} naming file and line`, () => {
      assert.throws(
        () => parse(`# ok\n198.51.100.7\n${bad}\n`),
        (error: unknown) =>
          error instanceof BlocklistSyntaxError &&
          error.line === 3 &&
          error.message.startsWith('lists/test.txt:3: ') &&
          problem.test(error.message),
      );
    });
  }

  test('the shipped sample list parses', () => {
    const text = readFileSync(new URL('../../examples/blocklists/known-bad.txt', import.meta.url), 'utf8');
    const list = parse(text);
    assert.ok(list.addresses.size + list.ranges.length >= 3);
    assert.ok(list.domains.has('evil.example'));
  });
});
