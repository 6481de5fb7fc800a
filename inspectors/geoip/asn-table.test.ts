import assert from 'node:assert/strict';
import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatRange, parseIp, type IpKey } from '../../core/ip-address.ts';
import { buildAsnTable, type AsnTable } from './asn-table.ts';

const answer = (table: AsnTable, key: IpKey) => {
  const hit = table.lookup(key);
  return hit && `AS${hit.asn} ${hit.organisation} ${formatRange(hit.range)}`;
};

test('reads numeric IPv4 and textual IPv6 rows, quoted organisations with commas and quotes', async () => {
  const table = await buildAsnTable([
    {
      text: ['16777216,16777471,13335,"Cloudflare, Inc."', '134744064,134744319,15169,Google LLC', '3405803776,3405804031,64500,"The ""Quoted"" Org"', ''].join('\n'),
      numbers: 4,
    },
    { text: '2606:4700::,2606:4700:1:ffff:ffff:ffff:ffff:ffff,13335,"Cloudflare, Inc."\n', numbers: 6 },
  ]);
  const at = (ip: string) => answer(table, parseIp(ip)!);
  assert.equal(at('1.0.0.1'), 'AS13335 Cloudflare, Inc. 1.0.0.0/24');
  assert.equal(at('8.8.8.8'), 'AS15169 Google LLC 8.8.8.0/24');
  assert.equal(at('203.0.113.5'), 'AS64500 The "Quoted" Org 203.0.113.0/24');
  assert.equal(at('2606:4700::1111'), 'AS13335 Cloudflare, Inc. 2606:4700::/47');
  assert.equal(at('::ffff:8.8.4.4'), undefined);
  assert.equal(at('9.9.9.9'), undefined);
  assert.equal(table.rows, 4);
});

test('malformed rows are skipped and counted', async () => {
  const table = await buildAsnTable([
    { text: '1,2\nx,5,1,A\n10,5,1,Backwards\n5,10,-1,Negative\n16777216,16777471,13335,Cloudflare\n4294967296,4294967297,1,Past IPv4\n20,30,4294967296,ASN past 32 bits\n40,50,1e3,ASN not digits\n', numbers: 4 },
  ]);
  assert.equal(table.skipped, 7);
  assert.equal(table.rows, 1);
});

test('adjacent rows keep their own organisation, however alike the names', async () => {
  const rows = ['1,1,1,Example A', '2,2,2,Example A', '3,3,3,Example B', '4,4,4,"Example A"', '5,5,5,xample A', '6,6,6,Example A'];
  const table = await buildAsnTable([{ text: rows.join('\n'), numbers: 4 }]);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((value) => table.lookup({ family: 4, value })?.organisation),
    ['Example A', 'Example A', 'Example B', 'Example A', 'xample A', 'Example A'],
  );
});

test('IPv6 rows written as numbers: read as IPv6, folded to IPv4 inside ::ffff:0:0/96 as the textual form is, past 128 bits refused', async () => {
  const table = await buildAsnTable([
    {
      text: [
        '42540578165168458964837862691227828224,42540578244396621479102200284771778559,6939,Hurricane Electric LLC',
        '281470816487424,281470816487679,15169,Google LLC',
        '340282366920938463463374607431768211456,340282366920938463463374607431768211457,1,Too large',
        '1,1,2,Loopback as a number',
      ].join('\n'),
      numbers: 6,
    },
  ]);
  const at = (ip: string) => answer(table, parseIp(ip)!);
  assert.equal(at('2001:470::1'), 'AS6939 Hurricane Electric LLC 2001:470::/32');
  assert.equal(at('8.8.8.8'), 'AS15169 Google LLC 8.8.8.0/24');
  assert.equal(at('::1'), 'AS2 Loopback as a number ::1', 'a small number in the IPv6 file is an IPv6 address');
  assert.equal(at('0.0.0.1'), undefined);
  assert.equal(table.skipped, 1);
});

test("ip-location-db's numeric IPv6 file reads as its textual one (the textual one is what its README documents)", async () => {
  const require = createRequire(import.meta.url);
  const read = (file: string) => readFileSync(require.resolve(`@ip-location-db/asn/${file}`), 'utf8');
  const textual = read('asn-ipv6.csv');
  const [fromText, fromNumbers] = await Promise.all([buildAsnTable([{ text: textual, numbers: 6 }]), buildAsnTable([{ text: read('asn-ipv6-num.csv'), numbers: 6 }])]);
  assert.equal(fromNumbers.rows, fromText.rows);
  assert.equal(fromNumbers.skipped, 0);
  // Every 20th row's first and last address, and the address after it.
  const rows = textual.split('\n').filter(Boolean);
  let compared = 0;
  for (let i = 0; i < rows.length; i += 20) {
    const [first, last] = rows[i]!.split(',');
    const after = parseIp(last!)!;
    for (const key of [parseIp(first!)!, parseIp(last!)!, after.family === 6 ? { family: 6 as const, value: after.value + 1n } : after]) {
      assert.equal(answer(fromNumbers, key), answer(fromText, key), rows[i]);
      compared++;
    }
  }
  assert.ok(compared > 10_000, `${compared} addresses compared`);
});
