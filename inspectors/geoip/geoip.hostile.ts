/**
 * Hostile cases of the geoip inspector: an internal address in another spelling must still be
 * labelled as internal, never sent to the databases and reported with a public location.
 */
import assert from 'node:assert/strict';
import { attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';

const labelled = (range: string) =>
  neutralised(({ report }) => {
    const geoip = report.findings.filter((f) => f.inspector === 'geoip');
    assert.deepEqual(geoip.map((f) => f.detail?.range), [range], JSON.stringify(geoip));
  });

hostileCase({ name: 'geoip: a private address written as IPv4-mapped IPv6', input: attributeWith({ type: 'ipaddr', value: '::ffff:10.1.2.3' }), expect: labelled('private') });
hostileCase({ name: 'geoip: a private address written as NAT64 IPv6', input: attributeWith({ type: 'ipaddr', value: '64:ff9b::a01:203' }), expect: labelled('private') });
hostileCase({ name: 'geoip: a link-local address with a zone id', input: attributeWith({ type: 'ipaddr', value: 'fe80::1%eth0' }), expect: labelled('link-local') });
hostileCase({ name: 'geoip: the instance metadata address', input: attributeWith({ type: 'ipaddr', value: '169.254.169.254' }), expect: labelled('link-local') });
