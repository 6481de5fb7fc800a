import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { findListings, hostOf } from './match.ts';
import { parseBlocklist } from './parse.ts';

const known = parseBlocklist(
  ['203.0.113.0/24', '203.0.113.128/25', '198.51.100.7', '2001:db8:bad::/48', 'evil.example', 'login.evil.example', 'bad.example.net'].join('\n'),
  'known-bad',
  'known-bad.txt',
);
const tor = parseBlocklist('198.51.100.7\n', 'tor', 'tor.txt');
const lookup = (type: 'ipaddr' | 'domain' | 'url', value: string) =>
  findListings([known, tor], { type, value }).map((h) => `${h.list}:${h.entry}`);

describe('findListings', () => {
  test('addresses: exact, inside a CIDR (most specific wins), one hit per list', () => {
    assert.deepEqual(lookup('ipaddr', '198.51.100.7'), ['known-bad:198.51.100.7', 'tor:198.51.100.7']);
    assert.deepEqual(lookup('ipaddr', '203.0.113.9'), ['known-bad:203.0.113.0/24']);
    assert.deepEqual(lookup('ipaddr', '203.0.113.200'), ['known-bad:203.0.113.128/25']);
    assert.deepEqual(lookup('ipaddr', '203.0.114.1'), []);
    assert.deepEqual(lookup('ipaddr', '198.51.100.8'), []);
  });

  test('IPv6, including IPv4-mapped addresses and other spellings', () => {
    assert.deepEqual(lookup('ipaddr', '2001:db8:bad:1::5'), ['known-bad:2001:db8:bad::/48']);
    assert.deepEqual(lookup('ipaddr', '2001:0db8:0bad:0000::1'), ['known-bad:2001:db8:bad::/48']);
    assert.deepEqual(lookup('ipaddr', '2001:db8:bae::1'), []);
    assert.deepEqual(lookup('ipaddr', '::ffff:203.0.113.9'), ['known-bad:203.0.113.0/24']);
    assert.deepEqual(lookup('ipaddr', '::ffff:198.51.100.7'), ['known-bad:198.51.100.7', 'tor:198.51.100.7']);
  });

  test('zone ids and the NAT64 form of a listed IPv4 address (issue 10)', () => {
    assert.deepEqual(lookup('ipaddr', '2001:db8:bad::1%eth0'), ['known-bad:2001:db8:bad::/48']);
    assert.deepEqual(lookup('ipaddr', '64:ff9b::203.0.113.9'), ['known-bad:203.0.113.0/24']);
    assert.deepEqual(lookup('ipaddr', '64:ff9b::c633:6407'), ['known-bad:198.51.100.7', 'tor:198.51.100.7']);
    assert.deepEqual(lookup('url', 'http://[64:ff9b::cb00:7109]:8080/'), ['known-bad:203.0.113.0/24']);
    assert.deepEqual(lookup('domain', '198.51.100.7'), ['known-bad:198.51.100.7', 'tor:198.51.100.7']);
  });

  test('domains: equal or subdomain, case-insensitive, trailing dot ignored', () => {
    assert.deepEqual(lookup('domain', 'evil.example'), ['known-bad:evil.example']);
    assert.deepEqual(lookup('domain', 'WWW.Evil.Example.'), ['known-bad:evil.example']);
    assert.deepEqual(lookup('domain', 'a.login.evil.example'), ['known-bad:login.evil.example']);
    assert.deepEqual(lookup('domain', 'notevil.example'), []);
    assert.deepEqual(lookup('domain', 'example'), []);
    assert.deepEqual(lookup('domain', 'bad.example'), []);
  });

  test('URLs are looked up by host, address or domain', () => {
    assert.deepEqual(lookup('url', 'https://cdn.bad.example.net:8443/x?y=1'), ['known-bad:bad.example.net']);
    assert.deepEqual(lookup('url', 'http://203.0.113.5/payload'), ['known-bad:203.0.113.0/24']);
    assert.deepEqual(lookup('url', 'http://[2001:db8:bad::1]/'), ['known-bad:2001:db8:bad::/48']);
    assert.deepEqual(lookup('url', 'https://good.example/evil.example'), []);
  });

  test('hostOf', () => {
    assert.equal(hostOf('http://0xcb.0.113.9/'), '203.0.113.9');
    assert.equal(hostOf('not a url'), undefined);
  });
});
