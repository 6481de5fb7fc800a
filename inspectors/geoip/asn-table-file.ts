/**
 * The ASN table as one binary file, loaded with a single read and no per-row work: every
 * section is a typed-array view into the file's bytes. Reading the CSV rows costs ~0.5-1 s of
 * CPU; opening this form costs a CRC-32 of the file (~5-15 ms for ~14 MB).
 *
 * Layout (uint32 words in the machine's byte order, which the header records):
 *
 *   header, 128 bytes: magic "AWASNTBL", format version, byte-order mark, CRC-32 of every byte
 *     after the CRC word, file length, rows, skipped rows, interval and exception counts per
 *     family, organisation count and text bytes; at byte 64, the 32-byte key of the CSV files
 *     the table was built from (asn-table-cache.ts), so a cache can tell it is stale;
 *   per family (IPv4, then IPv6): the flattened intervals sorted by start (firsts, lasts; an
 *     IPv6 address is four words, most significant first), each interval's ASN and
 *     organisation index, then the "exceptions": the few intervals (1 of ~515,000 in the
 *     bundled data) that are only part of their CSV row because another row nests in it,
 *     as interval index and the row's own first and last address, so an answer names the
 *     row's range as the CSV gave it;
 *   organisation names: n + 1 offsets, then the UTF-8 text, each name once.
 *
 * A file that fails any check is refused with AsnTableFileError, never read from.
 */
import { crc32 } from 'node:zlib';
import type { IpKey, IpRange } from '../../core/ip-address.ts';
import { binarySearch4 } from '../../core/ip-range-table.ts';
import type { AsnTable, AutonomousSystem, ParsedAsnCsvs } from './asn-table.ts';
import { AsnTableFileError } from './errors.ts';

const MAGIC = 'AWASNTBL';
/** Raise when the layout or the meaning of a field changes: older files are then rebuilt. */
export const ASN_TABLE_FORMAT_VERSION = 1;
const BYTE_ORDER_MARK = 0x0102_0304;
const HEADER_BYTES = 128;
const SOURCE_KEY_AT = 64;
export const SOURCE_KEY_BYTES = 32;
/** The CRC covers everything after its own word: the rest of the header and every section. */
const CHECKED_FROM = 20;
/** Header fields, as uint32 word indexes (words 0-1 are the magic). */
const W = { version: 2, byteOrder: 3, crc: 4, length: 5, rows: 6, skipped: 7, n4: 8, x4: 9, n6: 10, x6: 11, organisations: 12, organisationBytes: 13 } as const;

interface Counts {
  n4: number;
  x4: number;
  n6: number;
  x6: number;
  organisations: number;
  organisationBytes: number;
}

/** Byte offsets of every section; the same function places them when writing and when reading. */
const layoutOf = (c: Counts) => {
  let at = HEADER_BYTES;
  const take = (words: number) => {
    const start = at;
    at += 4 * words;
    return start;
  };
  const family = (n: number, x: number, wordsPerAddress: number) => ({
    firsts: take(n * wordsPerAddress),
    lasts: take(n * wordsPerAddress),
    asns: take(n),
    organisations: take(n),
    exceptions: take(x),
    exceptionFirsts: take(x * wordsPerAddress),
    exceptionLasts: take(x * wordsPerAddress),
  });
  const v4 = family(c.n4, c.x4, 1);
  const v6 = family(c.n6, c.x6, 4);
  const organisationOffsets = take(c.organisations + 1);
  const organisationText = at;
  return { v4, v6, organisationOffsets, organisationText, length: organisationText + c.organisationBytes };
};

const MASK32 = 0xffff_ffffn;
const writeIpv6 = (words: Uint32Array, at: number, value: bigint) => {
  words[at] = Number(value >> 96n);
  words[at + 1] = Number((value >> 64n) & MASK32);
  words[at + 2] = Number((value >> 32n) & MASK32);
  words[at + 3] = Number(value & MASK32);
};
const readIpv6 = (words: Uint32Array, at: number): bigint =>
  (BigInt(words[at]!) << 96n) | (BigInt(words[at + 1]!) << 64n) | (BigInt(words[at + 2]!) << 32n) | BigInt(words[at + 3]!);

/**
 * The binary form of parsed CSV rows. `source` is the key of the files they came from (32
 * bytes; zeros when unknown, as for CSV text given directly).
 */
export const encodeAsnTable = (parsed: ParsedAsnCsvs, source: Uint8Array = new Uint8Array(SOURCE_KEY_BYTES)): Uint8Array => {
  if (source.length !== SOURCE_KEY_BYTES) throw new RangeError(`an ASN table source key is ${SOURCE_KEY_BYTES} bytes, not ${source.length}`);
  const { v4, v6 } = parsed.ranges.intervals;
  // An interval that is not its whole row: another row nests inside that row.
  const isException = (f: typeof v4 | typeof v6, i: number) => {
    const owner = f.owners[i]!;
    return f.entryFirsts[owner] !== f.firsts[i] || f.entryLasts[owner] !== f.lasts[i];
  };
  const exceptionsOf = (f: typeof v4 | typeof v6) => {
    const found: number[] = [];
    for (let i = 0; i < f.owners.length; i++) if (isException(f, i)) found.push(i);
    return found;
  };
  const x4 = exceptionsOf(v4);
  const x6 = exceptionsOf(v6);
  const names = parsed.organisations.map((name) => Buffer.from(name, 'utf8'));
  const counts: Counts = {
    n4: v4.owners.length,
    x4: x4.length,
    n6: v6.owners.length,
    x6: x6.length,
    organisations: names.length,
    organisationBytes: names.reduce((sum, name) => sum + name.length, 0),
  };
  const layout = layoutOf(counts);
  const bytes = new Uint8Array(layout.length);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(layout.length / 4));
  const word = (byteOffset: number) => byteOffset / 4;

  bytes.set(Buffer.from(MAGIC, 'latin1'), 0);
  words[W.version] = ASN_TABLE_FORMAT_VERSION;
  words[W.byteOrder] = BYTE_ORDER_MARK;
  words[W.length] = layout.length;
  words[W.rows] = parsed.rows;
  words[W.skipped] = parsed.skipped;
  words[W.n4] = counts.n4;
  words[W.x4] = counts.x4;
  words[W.n6] = counts.n6;
  words[W.x6] = counts.x6;
  words[W.organisations] = counts.organisations;
  words[W.organisationBytes] = counts.organisationBytes;
  bytes.set(source, SOURCE_KEY_AT);

  const rowOf = (f: typeof v4 | typeof v6, i: number) => f.values[f.owners[i]!]!;
  const l4 = layout.v4;
  for (let i = 0; i < counts.n4; i++) {
    const row = rowOf(v4, i);
    words[word(l4.firsts) + i] = v4.firsts[i]!;
    words[word(l4.lasts) + i] = v4.lasts[i]!;
    words[word(l4.asns) + i] = parsed.asns[row]!;
    words[word(l4.organisations) + i] = parsed.organisationIds[row]!;
  }
  x4.forEach((i, k) => {
    words[word(l4.exceptions) + k] = i;
    words[word(l4.exceptionFirsts) + k] = v4.entryFirsts[v4.owners[i]!]!;
    words[word(l4.exceptionLasts) + k] = v4.entryLasts[v4.owners[i]!]!;
  });
  const l6 = layout.v6;
  for (let i = 0; i < counts.n6; i++) {
    const row = rowOf(v6, i);
    writeIpv6(words, word(l6.firsts) + 4 * i, v6.firsts[i]!);
    writeIpv6(words, word(l6.lasts) + 4 * i, v6.lasts[i]!);
    words[word(l6.asns) + i] = parsed.asns[row]!;
    words[word(l6.organisations) + i] = parsed.organisationIds[row]!;
  }
  x6.forEach((i, k) => {
    words[word(l6.exceptions) + k] = i;
    writeIpv6(words, word(l6.exceptionFirsts) + 4 * k, v6.entryFirsts[v6.owners[i]!]!);
    writeIpv6(words, word(l6.exceptionLasts) + 4 * k, v6.entryLasts[v6.owners[i]!]!);
  });
  let offset = 0;
  names.forEach((name, id) => {
    words[word(layout.organisationOffsets) + id] = offset;
    bytes.set(name, layout.organisationText + offset);
    offset += name.length;
  });
  words[word(layout.organisationOffsets) + names.length] = offset;

  words[W.crc] = crc32(bytes.subarray(CHECKED_FROM));
  return bytes;
};

/** What a table file says about itself, read from its header alone. */
export interface AsnTableFileHeader {
  formatVersion: number;
  /** Hex of the source key. */
  source: string;
  rows: number;
  skipped: number;
}

const hasMagic = (bytes: Uint8Array) => bytes.length >= HEADER_BYTES && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).toString('latin1') === MAGIC;

/** The header of a table file, or undefined for anything else. */
export const readAsnTableHeader = (bytes: Uint8Array): AsnTableFileHeader | undefined => {
  if (!hasMagic(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const littleEndian = view.getUint32(4 * W.byteOrder, true) === BYTE_ORDER_MARK;
  const at = (w: number) => view.getUint32(4 * w, littleEndian);
  return {
    formatVersion: at(W.version),
    source: Buffer.from(bytes.buffer, bytes.byteOffset + SOURCE_KEY_AT, SOURCE_KEY_BYTES).toString('hex'),
    rows: at(W.rows),
    skipped: at(W.skipped),
  };
};

/** An IPv6 address as four uint32 words, compared word by word: no BigInt is made per step of a search. */
const compare6 = (words: Uint32Array, index: number, key: Uint32Array): number => {
  const at = 4 * index;
  return words[at]! - key[0]! || words[at + 1]! - key[1]! || words[at + 2]! - key[2]! || words[at + 3]! - key[3]!;
};

const search6 = (firsts: Uint32Array, count: number, key: Uint32Array): number => {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compare6(firsts, mid, key) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
};

/**
 * The table in a file's bytes, after checking them: magic, format version, byte order, length,
 * `expectedSource` when given (a cache built from other CSV files is stale), then the CRC-32.
 * The returned table reads from `bytes` without copying them.
 *
 * @example
 * const table = openAsnTable(readFileSync(path), sourceKey);
 * table.lookup(parseIp('8.8.8.8')!) // { asn: 15169, organisation: 'Google LLC', range: ... }
 */
export const openAsnTable = (input: Uint8Array, expectedSource?: Uint8Array): AsnTable => {
  if (!hasMagic(input)) throw new AsnTableFileError('not an ASN table', `${input.length} bytes without the ${MAGIC} header`);
  // Typed-array views need 4-byte alignment; a Buffer read from a file has it, a slice may not.
  const bytes = input.byteOffset % 4 === 0 ? input : input.slice();
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_BYTES / 4);
  if (header[W.byteOrder] !== BYTE_ORDER_MARK) throw new AsnTableFileError('other byte order', `written on a machine of the other byte order (mark ${header[W.byteOrder]!.toString(16)})`);
  if (header[W.version] !== ASN_TABLE_FORMAT_VERSION) throw new AsnTableFileError('other format version', `format ${header[W.version]}, this code reads ${ASN_TABLE_FORMAT_VERSION}`);
  const counts: Counts = { n4: header[W.n4]!, x4: header[W.x4]!, n6: header[W.n6]!, x6: header[W.x6]!, organisations: header[W.organisations]!, organisationBytes: header[W.organisationBytes]! };
  const layout = layoutOf(counts);
  if (layout.length !== bytes.length || header[W.length] !== bytes.length) {
    throw new AsnTableFileError('wrong length', `${bytes.length} bytes where its header describes ${layout.length} (recorded length ${header[W.length]})`);
  }
  if (expectedSource) {
    const source = bytes.subarray(SOURCE_KEY_AT, SOURCE_KEY_AT + SOURCE_KEY_BYTES);
    if (!Buffer.from(source).equals(Buffer.from(expectedSource))) {
      throw new AsnTableFileError('stale', `built from CSV files with key ${Buffer.from(source).toString('hex')}, the current ones have ${Buffer.from(expectedSource).toString('hex')}`);
    }
  }
  const crc = crc32(bytes.subarray(CHECKED_FROM));
  if (crc !== header[W.crc]) throw new AsnTableFileError('checksum mismatch', `CRC-32 ${crc.toString(16)}, the header says ${header[W.crc]!.toString(16)}`);

  const view = (byteOffset: number, words: number) => new Uint32Array(bytes.buffer, bytes.byteOffset + byteOffset, words);
  const familyOf = (l: ReturnType<typeof layoutOf>['v4'], n: number, x: number, wordsPerAddress: number) => ({
    firsts: view(l.firsts, n * wordsPerAddress),
    lasts: view(l.lasts, n * wordsPerAddress),
    asns: view(l.asns, n),
    organisations: view(l.organisations, n),
    exceptions: view(l.exceptions, x),
    exceptionFirsts: view(l.exceptionFirsts, x * wordsPerAddress),
    exceptionLasts: view(l.exceptionLasts, x * wordsPerAddress),
  });
  const v4 = familyOf(layout.v4, counts.n4, counts.x4, 1);
  const v6 = familyOf(layout.v6, counts.n6, counts.x6, 4);
  const offsets = view(layout.organisationOffsets, counts.organisations + 1);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + layout.organisationText, counts.organisationBytes);
  // Names are decoded on first use: a Lambda answers a few addresses, not 125,000 organisations.
  const names: (string | undefined)[] = [];
  const organisationOf = (id: number): string => {
    let name = names[id];
    if (name === undefined) {
      const start = offsets[id];
      const end = offsets[id + 1];
      name = start !== undefined && end !== undefined && start <= end ? text.toString('utf8', start, end) : '';
      names[id] = name;
    }
    return name;
  };
  const exceptionAt = (exceptions: Uint32Array, index: number): number => {
    const k = binarySearch4(exceptions, index);
    return k >= 0 && exceptions[k] === index ? k : -1;
  };
  const key6 = new Uint32Array(4);

  return {
    rows: header[W.rows]!,
    skipped: header[W.skipped]!,
    lookup(key: IpKey): AutonomousSystem | undefined {
      let range: IpRange;
      let at: number;
      let f: typeof v4;
      if (key.family === 4) {
        f = v4;
        at = binarySearch4(f.firsts, key.value);
        if (at < 0 || key.value > f.lasts[at]!) return undefined;
        const k = exceptionAt(f.exceptions, at);
        range = k < 0 ? { family: 4, first: f.firsts[at]!, last: f.lasts[at]! } : { family: 4, first: f.exceptionFirsts[k]!, last: f.exceptionLasts[k]! };
      } else {
        f = v6;
        writeIpv6(key6, 0, key.value);
        at = search6(f.firsts, counts.n6, key6);
        if (at < 0 || compare6(f.lasts, at, key6) < 0) return undefined;
        const k = exceptionAt(f.exceptions, at);
        range =
          k < 0
            ? { family: 6, first: readIpv6(f.firsts, 4 * at), last: readIpv6(f.lasts, 4 * at) }
            : { family: 6, first: readIpv6(f.exceptionFirsts, 4 * k), last: readIpv6(f.exceptionLasts, 4 * k) };
      }
      return { asn: f.asns[at]!, organisation: organisationOf(f.organisations[at]!), range };
    },
  };
};
