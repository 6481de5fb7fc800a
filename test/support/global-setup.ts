/**
 * Before any e2e file starts, what many of their processes would otherwise each make at once on
 * a cold cache (a clean clone, a cleared node_modules/.cache), made once here: the CLI build
 * (local/prebuilt.mjs, ~2-5 s CPU after a source change) and geoip's ASN table file (~1 s CPU
 * from the CSV, inspectors/geoip/asn-table-cache.ts). Both are checked, not rebuilt, when fresh.
 * A CLI build that fails leaves the CLI on tsx, as it would for a user; the tests then say why.
 */
import { ensureAsnTableFile } from '../../inspectors/geoip/asn-table-cache.ts';
import { prebuilt } from '../../local/prebuilt.mjs';

export default async function setup(): Promise<void> {
  await Promise.all([prebuilt(), ensureAsnTableFile()]);
}
