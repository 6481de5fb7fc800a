/**
 * Hostile cases of the blocklist inspector (picked up by test/corpus/corpus.test.ts, like any
 * `*.hostile.ts`): a listed entity written another way must still be flagged, not slip past.
 */
import assert from 'node:assert/strict';
import { attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';

const flagged = neutralised(({ report }) => assert.ok(report.findings.some((f) => f.inspector === 'blocklist' && f.verdict === 'malicious'), 'flagged'));

hostileCase({ name: 'blocklist: a listed IPv4 address written as IPv4-mapped IPv6', input: attributeWith({ type: 'ipaddr', value: '::ffff:203.0.113.9' }), expect: flagged });
hostileCase({ name: 'blocklist: a listed domain in capitals with a trailing dot', input: attributeWith({ type: 'domain', value: 'BEACON.Evil.Example.' }), expect: flagged });
hostileCase({ name: 'blocklist: a listed host in a URL with credentials and a port', input: attributeWith({ type: 'url', value: 'https://u:p@Login.EVIL.example.:8443/x' }), expect: flagged });
hostileCase({ name: 'blocklist: a listed IPv6 address with a zone id', input: attributeWith({ type: 'ipaddr', value: '2001:db8:bad::1%eth0' }), expect: flagged });
hostileCase({ name: 'blocklist: a listed IPv4 address in its NAT64 form', input: attributeWith({ type: 'ipaddr', value: '64:ff9b::203.0.113.9' }), expect: flagged });
hostileCase({ name: 'blocklist: a listed IPv4 host in a URL, written as NAT64 IPv6', input: attributeWith({ type: 'url', value: 'http://[64:ff9b::cb00:7109]/x' }), expect: flagged });
