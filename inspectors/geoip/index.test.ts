import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { prepareInspectors } from '../../core/pipeline/inspection.ts';
import { runInspector, silentLogger } from '../../core/testing.ts';
import { createGeoipInspector, geoipFromEnv, locationOf } from './index.ts';

// One inspector over the bundled databases for the whole file: loading them is the slow part.
const geoip = createGeoipInspector();
const inspect = async (value: string) => (await runInspector(geoip, { type: 'ipaddr', key: 'src', value })).findings;

describe('geoip inspector, bundled data', () => {
  test('a public IPv4 address: country, ASN, AS organisation and the announced network', async () => {
    assert.deepEqual(await inspect('8.8.8.8'), [
      {
        verdict: 'info',
        title: 'US — AS15169 Google LLC',
        source: 'geoip',
        detail: { country: 'US', asn: 15169, as_organisation: 'Google LLC', as_network: '8.8.8.0/24' },
      },
    ]);
  });

  test('IPv6, and an IPv4 address in its IPv4-mapped or NAT64 form', async () => {
    const [v6] = await inspect('2606:4700::1111');
    assert.equal(v6?.detail?.asn, 13335);
    assert.equal(v6?.detail?.as_organisation, 'Cloudflare, Inc.');
    assert.equal(typeof v6?.detail?.country, 'string');
    assert.deepEqual(await inspect('::ffff:8.8.8.8'), await inspect('8.8.8.8'));
    assert.deepEqual(await inspect('64:ff9b::808:808'), await inspect('8.8.8.8'));
  });

  test('special-purpose addresses are labelled and not looked up (issue 10)', async () => {
    for (const [ip, label] of [
      ['10.0.0.5', 'private'],
      ['192.168.1.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['100.64.3.4', 'carrier-grade-nat'],
      ['203.0.113.9', 'documentation'],
      ['2001:db8::1', 'documentation'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['fd12:3456::1', 'unique-local'],
    ] as const) {
      assert.deepEqual(await inspect(ip), [{ verdict: 'info', title: `${label} address, not looked up`, source: 'geoip', detail: { range: label } }], ip);
    }
  });

  test('a database that cannot be read fails prepare, naming the path', async () => {
    const broken = createGeoipInspector({ locationDb: '/nonexistent/GeoLite2-City.mmdb' });
    await assert.rejects(prepareInspectors([broken], silentLogger), /cannot read the geoip location database \/nonexistent\/GeoLite2-City\.mmdb: ENOENT/);
    const notMmdb = createGeoipInspector({ locationDb: new URL('../../package.json', import.meta.url).pathname });
    await assert.rejects(prepareInspectors([notMmdb], silentLogger), /package\.json is not a MaxMind DB \(\.mmdb\) file/);
  });

  test('geoipFromEnv reads relative database paths from the config folder', async () => {
    const inspector = geoipFromEnv({ ALERTWARDEN_GEOIP_LOCATION_DB: 'no-such.mmdb', ALERTWARDEN_CONFIG_DIR: '/etc/alertwarden' });
    await assert.rejects(prepareInspectors([inspector], silentLogger), /\/etc\/alertwarden\/no-such\.mmdb/);
  });
});

describe('locationOf', () => {
  test('reads ip-location-db flat records and MaxMind nested records alike', () => {
    assert.deepEqual(locationOf({ country_code: 'JP', city: 'Tokyo', state1: 'Tokyo', latitude: 35.68, longitude: 139.69 }), {
      country: 'JP',
      region: 'Tokyo',
      city: 'Tokyo',
      latitude: 35.68,
      longitude: 139.69,
    });
    assert.deepEqual(
      locationOf({ country: { iso_code: 'DE', names: { en: 'Germany' } }, city: { names: { en: 'Berlin' } }, subdivisions: [{ names: { en: 'Land Berlin' } }], location: { latitude: 52.5, longitude: 13.4 } }),
      { country: 'DE', region: 'Land Berlin', city: 'Berlin', latitude: 52.5, longitude: 13.4 },
    );
    assert.deepEqual(locationOf(null), {});
    assert.deepEqual(locationOf({ country_code: '', city: 7 }), {});
  });
});
