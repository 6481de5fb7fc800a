/**
 * Writes the geoip ASN table file (node_modules/.cache/alertwarden/geoip-asn.bin) from the
 * installed @ip-location-db/asn CSV when it is missing, damaged or stale; the inspect package
 * ships it (serverless.yml). Run by scripts/serverless-geoip-asn-table.cjs before packaging.
 *
 *   node --import tsx scripts/geoip-asn-table.ts
 */
import { stat } from 'node:fs/promises';
import { ASN_TABLE_FILE, ensureAsnTableFile } from '../inspectors/geoip/asn-table-cache.ts';

const started = performance.now();
const { built, reason } = await ensureAsnTableFile(ASN_TABLE_FILE);
const { size } = await stat(ASN_TABLE_FILE);
const megabytes = (size / 1e6).toFixed(1);
console.log(
  built
    ? `geoip ASN table built (${reason}): ${ASN_TABLE_FILE}, ${megabytes} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`
    : `geoip ASN table current: ${ASN_TABLE_FILE}, ${megabytes} MB`,
);
