import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { test } from 'vitest';
import { formatRange, type IpKey } from '../../core/ip-address.ts';
import { parseAsnCsvs, type AsnCsv, type AutonomousSystem, type ParsedAsnCsvs } from './asn-table.ts';
import { BUNDLED_ASN_CSVS } from './asn-table-cache.ts';
import { encodeAsnTable, openAsnTable, readAsnTableHeader, SOURCE_KEY_BYTES } from './asn-table-file.ts';
import { AsnTableFileError } from './errors.ts';

/** The answer of the range table the CSV rows were read into: what the binary file must reproduce. */
const referenceOf = (parsed: ParsedAsnCsvs) => (key: IpKey): AutonomousSystem | undefined => {
  const hit = parsed.ranges.lookup(key);
  return hit && { asn: parsed.asns[hit.value]!, organisation: parsed.organisations[parsed.organisationIds[hit.value]!]!, range: hit.range };
};
const text = (a: AutonomousSystem | undefined) => a && `AS${a.asn} ${a.organisation} ${formatRange(a.range)}`;

/** Each row's first and last address, and the addresses just outside every `besideEvery`-th row. */
const edgesOf = (parsed: ParsedAsnCsvs, besideEvery = 1): IpKey[] => {
  const { v4, v6 } = parsed.ranges.intervals;
  const keys: IpKey[] = [];
  for (let i = 0; i < v4.entryFirsts.length; i++) {
    const first = v4.entryFirsts[i]!;
    const last = v4.entryLasts[i]!;
    keys.push({ family: 4, value: first }, { family: 4, value: last });
    if (i % besideEvery) continue;
    if (first > 0) keys.push({ family: 4, value: first - 1 });
    if (last < 0xffff_ffff) keys.push({ family: 4, value: last + 1 });
  }
  for (let i = 0; i < v6.entryFirsts.length; i++) {
    const first = v6.entryFirsts[i]!;
    const last = v6.entryLasts[i]!;
    keys.push({ family: 6, value: first }, { family: 6, value: last });
    if (i % besideEvery) continue;
    if (first > 0n) keys.push({ family: 6, value: first - 1n });
    if (last < (1n << 128n) - 1n) keys.push({ family: 6, value: last + 1n });
  }
  return keys;
};

/** Addresses where the two answers differ (the first few), and how many were compared. */
const differences = (parsed: ParsedAsnCsvs, bytes: Uint8Array, keys: Iterable<IpKey>) => {
  const reference = referenceOf(parsed);
  const table = openAsnTable(bytes);
  const found: string[] = [];
  let compared = 0;
  let hits = 0;
  for (const key of keys) {
    compared++;
    const expected = reference(key);
    const actual = table.lookup(key);
    if (expected) hits++;
    const same =
      expected === undefined
        ? actual === undefined
        : actual !== undefined && actual.asn === expected.asn && actual.organisation === expected.organisation && actual.range.first === expected.range.first && actual.range.last === expected.range.last;
    if (!same && found.length < 5) found.push(`${key.value}: ${text(actual)} instead of ${text(expected)}`);
  }
  return { found, compared, hits };
};

test("the binary table answers as the range table it was written from, over ip-location-db's data: every row's first and last address, the addresses beside every 10th row, random addresses", async () => {
  const require = createRequire(import.meta.url);
  const csvs: AsnCsv[] = BUNDLED_ASN_CSVS.map(({ module, numbers }) => ({ text: readFileSync(require.resolve(module), 'utf8'), numbers }));
  const parsed = await parseAsnCsvs(csvs);
  const bytes = encodeAsnTable(parsed);
  const random = fc.sample(
    fc.oneof(
      fc.nat({ max: 0xffff_ffff }).map((value): IpKey => ({ family: 4, value })),
      // Most of the IPv6 data is in 2000::/3.
      fc.bigInt({ min: 0x2000n << 112n, max: (0x4000n << 112n) - 1n }).map((value): IpKey => ({ family: 6, value })),
    ),
    { numRuns: 20_000, seed: 12 },
  );
  const { found, compared, hits } = differences(parsed, bytes, [...edgesOf(parsed, 10), ...random]);
  console.log(`${compared} addresses compared (${hits} inside a row), table file ${(bytes.length / 1e6).toFixed(1)} MB for ${parsed.rows} rows`);
  assert.deepEqual(found, []);
  assert.ok(compared > 1_000_000 && hits > 1_000_000, `${compared} compared, ${hits} hits`);
  assert.equal(readAsnTableHeader(bytes)?.rows, parsed.rows);
});

test('nested and overlapping rows: an address answers with the innermost row, named by its own range as the CSV gave it', async () => {
  const parsed = await parseAsnCsvs([
    {
      text: [
        '167772160,167837695,1,Outer', // 10.0.0.0/16
        '167772416,167772671,2,Inner', // 10.0.1.0/24
        '167772416,167772671,3,Duplicate of Inner',
        '167772544,167772799,4,Overlaps Inner', // 10.0.1.128 - 10.0.2.127
      ].join('\n'),
      numbers: 4,
    },
    {
      text: [
        `${0x2001_0db8n << 96n},${(0x2001_0db8n << 96n) + (1n << 96n) - 1n},5,Outer six`,
        `${(0x2001_0db8n << 96n) + (1n << 80n)},${(0x2001_0db8n << 96n) + (2n << 80n) - 1n},6,Inner six`,
      ].join('\n'),
      numbers: 6,
    },
  ]);
  const bytes = encodeAsnTable(parsed);
  const table = openAsnTable(bytes);
  const at = (key: IpKey) => text(table.lookup(key));
  assert.equal(at({ family: 4, value: 167772160 + 5 }), 'AS1 Outer 10.0.0.0/16');
  assert.equal(at({ family: 4, value: 167772416 + 1 }), 'AS2 Inner 10.0.1.0/24');
  assert.equal(at({ family: 4, value: 167772544 + 1 }), 'AS4 Overlaps Inner 10.0.1.128-10.0.2.127');
  assert.equal(at({ family: 4, value: 167837695 }), 'AS1 Outer 10.0.0.0/16');
  assert.equal(at({ family: 6, value: (0x2001_0db8n << 96n) + 7n }), 'AS5 Outer six 2001:db8::/32');
  assert.equal(at({ family: 6, value: (0x2001_0db8n << 96n) + (1n << 80n) + 7n }), 'AS6 Inner six 2001:db8:1::/48');
  assert.equal(at({ family: 6, value: (0x2001_0db8n << 96n) + (2n << 80n) }), 'AS5 Outer six 2001:db8::/32');
  const keys = [...Array(1024).keys()].map((i): IpKey => ({ family: 4, value: 167772160 + i * 4 }));
  assert.deepEqual(differences(parsed, bytes, [...keys, ...edgesOf(parsed)]).found, []);
});

const rowArbitrary = (family: 4 | 6) => {
  const address = family === 4 ? fc.nat({ max: 4095 }).map(BigInt) : fc.bigInt({ min: 0n, max: 4095n }).map((v) => (0x2001n << 112n) + (v << 60n));
  return fc.record({
    a: address,
    b: address,
    asn: fc.nat({ max: 0xffff_ffff }),
    organisation: fc.oneof(fc.constantFrom('Example A', 'Ünïcødé Networks GmbH', 'Cloudflare, Inc.', '東京 ISP'), fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\n\r,"]/.test(s) && s.trim() === s)),
  });
};
const csvOf = (rows: { a: bigint; b: bigint; asn: number; organisation: string }[]) =>
  rows.map(({ a, b, asn, organisation }) => `${a < b ? a : b},${a < b ? b : a},${asn},${organisation.includes(',') ? `"${organisation}"` : organisation}`).join('\n');

test('any set of rows, nested, overlapping, duplicated, in any order: the binary table answers as the range table at every edge', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(rowArbitrary(4), { maxLength: 40 }), fc.array(rowArbitrary(6), { maxLength: 40 }), async (v4, v6) => {
      const parsed = await parseAsnCsvs([
        { text: csvOf(v4), numbers: 4 },
        { text: csvOf(v6), numbers: 6 },
      ]);
      const bytes = encodeAsnTable(parsed);
      assert.deepEqual(differences(parsed, bytes, edgesOf(parsed)).found, []);
      // Read from an odd offset (a Buffer slice): views need 4-byte alignment, the table copies.
      const shifted = new Uint8Array(bytes.length + 1).subarray(1);
      shifted.set(bytes);
      assert.deepEqual(differences(parsed, shifted, edgesOf(parsed)).found, []);
    }),
    { numRuns: 150, seed: 7 },
  );
});

const smallTable = async () =>
  encodeAsnTable(
    await parseAsnCsvs([
      { text: '16777216,16777471,13335,"Cloudflare, Inc."\n134744064,134744319,15169,Google LLC\n', numbers: 4 },
      { text: `${0x2606_4700n << 96n},${(0x2606_4700n << 96n) + (1n << 81n) - 1n},13335,"Cloudflare, Inc."\n`, numbers: 6 },
    ]),
    new Uint8Array(SOURCE_KEY_BYTES).fill(9),
  );

test('any single damaged byte anywhere in a table file is refused, never read from', async () => {
  const bytes = await smallTable();
  assert.equal(openAsnTable(bytes).lookup({ family: 4, value: 134744064 + 8 })?.asn, 15169);
  const problems = new Set<string>();
  fc.assert(
    fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
      const damaged = bytes.slice();
      damaged[at]! ^= flip;
      try {
        openAsnTable(damaged);
      } catch (error) {
        assert.ok(error instanceof AsnTableFileError, String(error));
        problems.add(error.problem);
        return;
      }
      assert.fail(`byte ${at} of ${bytes.length} changed (xor ${flip}) and the table still opened`);
    }),
    { numRuns: 2_000, seed: 3 },
  );
  // Every byte, once: the random runs above may miss some positions.
  for (let at = 0; at < bytes.length; at++) {
    const damaged = bytes.slice();
    damaged[at]! ^= 0x80;
    assert.throws(() => openAsnTable(damaged), AsnTableFileError, `byte ${at}`);
  }
  assert.deepEqual([...problems].sort(), ['checksum mismatch', 'not an ASN table', 'other byte order', 'other format version', 'wrong length']);
});

test('a truncated, extended or foreign file, or one built from other CSV files, is refused with the reason', async () => {
  const bytes = await smallTable();
  const problemOf = (input: Uint8Array, source?: Uint8Array) => {
    try {
      openAsnTable(input, source);
      return 'opened';
    } catch (error) {
      return error instanceof AsnTableFileError ? error.problem : String(error);
    }
  };
  assert.equal(problemOf(bytes.subarray(0, bytes.length - 1)), 'wrong length');
  assert.equal(problemOf(bytes.subarray(0, 100)), 'not an ASN table');
  assert.equal(problemOf(Buffer.concat([bytes, Buffer.alloc(4)])), 'wrong length');
  assert.equal(problemOf(Buffer.from('first,last,asn,organisation\n'.repeat(10))), 'not an ASN table');
  assert.equal(problemOf(new Uint8Array(0)), 'not an ASN table');
  assert.equal(problemOf(bytes, new Uint8Array(SOURCE_KEY_BYTES).fill(8)), 'stale');
  assert.equal(problemOf(bytes, new Uint8Array(SOURCE_KEY_BYTES).fill(9)), 'opened');
  assert.equal(readAsnTableHeader(bytes)?.source, '09'.repeat(SOURCE_KEY_BYTES));
});
