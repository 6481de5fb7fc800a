import assert from 'node:assert/strict';
import { test } from 'vitest';
import { formatRange, parseIp } from '../../core/ip-address.ts';
import { buildAsnTable } from './asn-table.ts';

test('reads numeric IPv4 and textual IPv6 rows, quoted organisations with commas and quotes', async () => {
  const table = await buildAsnTable([
    ['16777216,16777471,13335,"Cloudflare, Inc."', '134744064,134744319,15169,Google LLC', '3405803776,3405804031,64500,"The ""Quoted"" Org"', ''].join('\n'),
    '2606:4700::,2606:4700:1:ffff:ffff:ffff:ffff:ffff,13335,"Cloudflare, Inc."\n',
  ]);
  const at = (ip: string) => {
    const hit = table.lookup(parseIp(ip)!);
    return hit && `AS${hit.asn} ${hit.organisation} ${formatRange(hit.range)}`;
  };
  assert.equal(at('1.0.0.1'), 'AS13335 Cloudflare, Inc. 1.0.0.0/24');
  assert.equal(at('8.8.8.8'), 'AS15169 Google LLC 8.8.8.0/24');
  assert.equal(at('203.0.113.5'), 'AS64500 The "Quoted" Org 203.0.113.0/24');
  assert.equal(at('2606:4700::1111'), 'AS13335 Cloudflare, Inc. 2606:4700::/47');
  assert.equal(at('::ffff:8.8.4.4'), undefined);
  assert.equal(at('9.9.9.9'), undefined);
  assert.equal(table.rows, 4);
});

test('malformed rows are skipped and counted', async () => {
  const table = await buildAsnTable(['1,2\nx,5,1,A\n10,5,1,Backwards\n5,10,-1,Negative\n16777216,16777471,13335,Cloudflare\n']);
  assert.equal(table.skipped, 4);
  assert.equal(table.rows, 1);
});
