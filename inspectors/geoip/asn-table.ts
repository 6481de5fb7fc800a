/**
 * IP -> autonomous system, from ip-location-db's ASN CSV (`first,last,asn,"organisation"`,
 * inclusive ranges, addresses as text or as numbers: asn-ipv4-num.csv, asn-ipv6-num.csv).
 * The package ships no MMDB of it, and reading the ~515,000 rows costs ~0.5-1 s of CPU, so the
 * rows are read once into an IpRangeTable and written as a binary table file
 * (asn-table-file.ts) that every later process, and the inspect Lambda, loads with one read.
 * The numeric files are the ones read: a decimal IPv6 address is one BigInt() away, where the
 * textual form cost 7 µs a row to parse (0.75 s of a 1.2 s prepare).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { foldIpv6, parseIp, type IpKey, type IpRange } from '../../core/ip-address.ts';
import { IpRangeTableBuilder, type IpRangeTable } from '../../core/ip-range-table.ts';
import { encodeAsnTable, openAsnTable } from './asn-table-file.ts';

export interface AutonomousSystem {
  asn: number;
  organisation: string;
  range: IpRange;
}

export interface AsnTable {
  lookup(key: IpKey): AutonomousSystem | undefined;
  /** Rows read, and rows skipped as malformed. */
  rows: number;
  skipped: number;
}

/** The CSV rows as read: a range table whose value is a row index into `asns` and `organisationIds`. */
export interface ParsedAsnCsvs {
  ranges: IpRangeTable;
  asns: Uint32Array;
  organisationIds: Uint32Array;
  /** Each organisation name once; `organisationIds` index it. */
  organisations: string[];
  rows: number;
  skipped: number;
}

const ROWS_PER_SLICE = 20_000;

/** The organisation column: plain, or quoted with "" for a quote (`"Cloudflare, Inc."`). */
const organisationOf = (field: string): string =>
  field.startsWith('"') && field.endsWith('"') && field.length >= 2 ? field.slice(1, -1).replaceAll('""', '"') : field;

/** One CSV file's text, and the family its numeric addresses are in (a number alone does not say). */
export interface AsnCsv {
  text: string;
  numbers: 4 | 6;
}

const DIGITS = /^\d+$/;
const MAX_IPV6 = (1n << 128n) - 1n;

const addressOf = (text: string, numbers: 4 | 6): IpKey | undefined => {
  if (!DIGITS.test(text)) return parseIp(text);
  if (numbers === 4) {
    if (text.length > 10) return undefined;
    const value = Number(text);
    return value <= 0xffff_ffff ? { family: 4, value } : undefined;
  }
  if (text.length > 39) return undefined;
  const value = BigInt(text);
  // Folded as the textual form would be: a row in ::ffff:0:0/96 is IPv4.
  return value <= MAX_IPV6 ? foldIpv6(value) : undefined;
};

/** `text` in a string of its own (V8 keeps a longer slice as a view into the string it was cut from). */
const copyOf = (text: string): string => (' ' + text).slice(1);

/**
 * A field of 1 to 10 decimal digits read in place as a number, or -1 for anything else: the
 * IPv4 bounds and the ASN of nearly every row, read without slicing them out (~15% of the
 * IPv4 file's load time). A bound refused here still goes through addressOf.
 */
const decimalIn = (text: string, start: number, end: number): number => {
  if (end <= start || end - start > 10) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
};

/** Reads the CSV rows into a range table, yielding to the event loop every 20,000 rows. */
export const parseAsnCsvs = async (csvs: readonly AsnCsv[]): Promise<ParsedAsnCsvs> => {
  const builder = new IpRangeTableBuilder();
  const asns: number[] = [];
  const organisationIds: number[] = [];
  const organisations: string[] = [];
  const organisationIndex = new Map<string, number>();
  let skipped = 0;
  let sinceYield = 0;
  let previousRaw = '\u0000';
  let previousId = 0;
  for (const { text, numbers } of csvs) {
    let offset = 0;
    while (offset < text.length) {
      let end = text.indexOf('\n', offset);
      if (end < 0) end = text.length;
      const line = text.slice(offset, end).trim();
      offset = end + 1;
      if (++sinceYield >= ROWS_PER_SLICE) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
      if (line === '') continue;
      const c1 = line.indexOf(',');
      const c2 = line.indexOf(',', c1 + 1);
      const c3 = line.indexOf(',', c2 + 1);
      const asn = c3 > c2 && c2 > c1 ? decimalIn(line, c2 + 1, c3) : -1;
      if (asn < 0 || asn > 0xffff_ffff) {
        skipped++;
        continue;
      }
      const first4 = numbers === 4 && c1 > 0 ? decimalIn(line, 0, c1) : -1;
      const last4 = first4 >= 0 ? decimalIn(line, c1 + 1, c2) : -1;
      if (first4 >= 0 && last4 >= 0 && first4 <= last4 && last4 <= 0xffff_ffff) {
        builder.addIpv4(first4, last4, asns.length);
      } else {
        const first = c1 > 0 ? addressOf(line.slice(0, c1), numbers) : undefined;
        const last = c2 > c1 ? addressOf(line.slice(c1 + 1, c2), numbers) : undefined;
        if (!first || !last || first.family !== last.family || first.value > last.value) {
          skipped++;
          continue;
        }
        builder.add({ family: first.family, first: first.value, last: last.value } as IpRange, asns.length);
      }
      // Adjacent rows are mostly one organisation's: compare in place before slicing and hashing.
      let id: number | undefined;
      const rawLength = line.length - c3 - 1;
      if (previousRaw.length === rawLength && line.endsWith(previousRaw)) id = previousId;
      else {
        previousRaw = line.slice(c3 + 1);
        const organisation = organisationOf(previousRaw);
        id = organisationIndex.get(organisation);
        if (id === undefined) {
          // A copy: a slice of the file's text would keep all 30 MB of it alive for the Lambda's life.
          id = organisations.push(copyOf(organisation)) - 1;
          organisationIndex.set(organisation, id);
        }
        previousId = id;
      }
      asns.push(asn);
      organisationIds.push(id);
    }
  }
  return { ranges: builder.build(), asns: Uint32Array.from(asns), organisationIds: Uint32Array.from(organisationIds), organisations, rows: asns.length, skipped };
};

/**
 * The table from CSV text, through the same binary form a table file holds.
 *
 * @example
 * const table = await buildAsnTable([{ text: await readFile(ipv4Csv, 'utf8'), numbers: 4 }, { text: await readFile(ipv6Csv, 'utf8'), numbers: 6 }]);
 * table.lookup(parseIp('1.1.1.1')!) // { asn: 13335, organisation: 'Cloudflare, Inc.', range: ... }
 */
export const buildAsnTable = async (csvs: readonly AsnCsv[]): Promise<AsnTable> => openAsnTable(encodeAsnTable(await parseAsnCsvs(csvs)));
