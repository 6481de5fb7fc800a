/**
 * dynalite sends the CRC-32 of every response body (the `x-amz-crc32` header the SDK checks)
 * and computes it with buffer-crc32: the body turned into a Buffer, then a JavaScript loop over
 * its bytes (~17 µs for a 2.7 KB body here). Node's zlib.crc32 (Node >= 20.15 / 22.2) computes
 * the same checksum of the same UTF-8 bytes natively (~1.8 µs).
 *
 * Only `unsigned(string or Buffer)`, the call dynalite makes, is answered by zlib; any other
 * argument (a running checksum, a number) goes to buffer-crc32 as before. Without zlib.crc32
 * nothing is installed.
 *
 * Local code only: installed on dynalite's copy of buffer-crc32 by local/storage-servers.mjs
 * (nothing under node_modules is edited).
 */
import zlib from 'node:zlib';

/**
 * @param {(id: string) => any} requireFromDynalite a require resolving as dynalite's own modules do
 * @returns {{ native: number, original: number, installed: boolean }} checksums computed by each (for the storage usage report)
 */
export const installNativeCrc32 = (requireFromDynalite) => {
  const crc32 = requireFromDynalite('buffer-crc32');
  if (crc32.unsigned.nativeStats) return crc32.unsigned.nativeStats;
  const stats = { native: 0, original: 0, installed: typeof zlib.crc32 === 'function' };
  if (!stats.installed) return stats;
  const original = crc32.unsigned;
  const unsigned = function (input, previous) {
    if (arguments.length === 1 && (typeof input === 'string' || Buffer.isBuffer(input))) {
      stats.native++;
      return zlib.crc32(input);
    }
    stats.original++;
    return original.apply(this, arguments);
  };
  unsigned.nativeStats = stats;
  unsigned.original = original;
  crc32.unsigned = unsigned;
  return stats;
};
