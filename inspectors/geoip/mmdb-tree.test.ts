import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'mmdb-lib';
import { describe, test } from 'vitest';
import { formatIp, specialPurposeOf, type IpKey } from '../../core/ip-address.ts';
import { silentLogger } from '../../core/testing.ts';
import { BUNDLED_DATA, loadGeoip, locationOf } from './index.ts';
import { MmdbTree } from './mmdb-tree.ts';

/** Deterministic addresses (mulberry32), so a failure names the same address on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
};

const require = createRequire(import.meta.url);
const bundled = readFileSync(require.resolve(BUNDLED_DATA.location));
/** Announced networks (ip-location-db's ASN rows), so samples land where the data is, on its edges too. */
const announced = (file: string): bigint[][] =>
  readFileSync(require.resolve(file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((row) => row.split(',', 2).map(BigInt));
const networks = { 4: announced(BUNDLED_DATA.asnIpv4), 6: announced(BUNDLED_DATA.asnIpv6) };

/**
 * Public addresses, half IPv4, half IPv6: a third anywhere, a third the first or last address
 * of an announced network, a third inside one.
 */
const sampleAddresses = (count: number, seed: number): IpKey[] => {
  const next = random(seed);
  const keys: IpKey[] = [];
  while (keys.length < count) {
    const family = keys.length % 2 === 0 ? 4 : 6;
    const kind = keys.length % 3;
    let value: bigint;
    if (kind === 0) {
      value = 0n;
      for (let i = 0; i < (family === 4 ? 1 : 4); i++) value = (value << 32n) | BigInt(next());
    } else {
      const rows = networks[family];
      const [first, last] = rows[next() % rows.length]!;
      value = kind === 1 ? (next() % 2 ? first! : last!) : first! + ((BigInt(next()) << 32n) | BigInt(next())) % (last! - first! + 1n);
    }
    const key: IpKey = family === 4 ? { family, value: Number(value) } : { family, value };
    if (!specialPurposeOf(key)) keys.push(key);
  }
  return keys;
};

/** One node's two records in the layout of https://maxmind.github.io/MaxMind-DB/ (28-bit: the middle byte holds both top nibbles). */
const writeNode = (tree: Buffer, recordSize: 24 | 28 | 32, node: number, left: number, right: number) => {
  const at = (node * recordSize) / 4;
  if (recordSize === 32) {
    tree.writeUInt32BE(left, at);
    tree.writeUInt32BE(right, at + 4);
  } else if (recordSize === 28) {
    tree.writeUIntBE(left & 0xffffff, at, 3);
    tree[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    tree.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    tree.writeUIntBE(left, at, 3);
    tree.writeUIntBE(right, at + 3, 3);
  }
};

/**
 * The same database with its search tree written in `recordSize`-bit records: the bundled file
 * uses 24, MaxMind's City/ASN files 28 and 32. Pointers keep their values, so the data section
 * and metadata (but the record_size byte) are copied as they are.
 */
const reencode = (db: Buffer, recordSize: 28 | 32): Buffer => {
  const { nodeCount, recordSize: from } = new Reader(db).metadata;
  assert.equal(from, 24, 'the bundled tree is expected in 24-bit records');
  const marker = db.lastIndexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'));
  const tree = Buffer.alloc((nodeCount * recordSize) / 4);
  for (let node = 0; node < nodeCount; node++) writeNode(tree, recordSize, node, db.readUIntBE(node * 6, 3), db.readUIntBE(node * 6 + 3, 3));
  const metadata = Buffer.from(db.subarray(marker));
  const at = metadata.indexOf('record_size') + 'record_size'.length;
  assert.deepEqual([...metadata.subarray(at, at + 2)], [0xa1, 24], 'record_size is a one-byte uint16');
  metadata[at + 1] = recordSize;
  return Buffer.concat([tree, db.subarray(nodeCount * 6, marker), metadata]);
};

describe('MmdbTree', () => {
  test('the geoip fast path answers as mmdb-lib does for 8,000 IPv4 and IPv6 addresses', async () => {
    const reader = new Reader<Response>(bundled);
    const geoip = await loadGeoip({}, silentLogger);
    const countries = new Set<string>();
    const known = { 4: 0, 6: 0 };
    for (const key of sampleAddresses(8_000, 7)) {
      const ip = formatIp(key);
      const expected = locationOf(reader.get(ip));
      const answer = geoip.lookup(key);
      if (expected.country) {
        known[key.family]++;
        countries.add(expected.country);
      }
      assert.deepEqual(answer?.location, expected, ip);
    }
    // The sample must reach real data, or the comparison proves nothing.
    assert.ok(known[4] > 3_000 && known[6] > 2_000 && countries.size > 100, `of 4,000 IPv4 / 4,000 IPv6 addresses ${known[4]} / ${known[6]} had a country, ${countries.size} countries`);
  });

  test('reads 28- and 32-bit records as mmdb-lib does', () => {
    const keys = sampleAddresses(2_000, 11);
    const base = new Reader<Response>(bundled);
    const original = new MmdbTree(bundled, base.metadata);
    for (const recordSize of [28, 32] as const) {
      const db = reencode(bundled, recordSize);
      const reader = new Reader<Response>(db);
      assert.equal(reader.metadata.recordSize, recordSize);
      const tree = new MmdbTree(db, reader.metadata);
      let found = 0;
      for (const key of keys) {
        const ip = formatIp(key);
        // The re-encoded file holds the same data for mmdb-lib, and the walk ends on the same record.
        assert.deepEqual(reader.get(ip), base.get(ip), `${recordSize}-bit ${ip} (mmdb-lib)`);
        const pointer = tree.pointerOf(key);
        assert.equal(pointer, original.pointerOf(key), `${recordSize}-bit ${ip}`);
        assert.equal(pointer > 0, reader.get(ip) !== null, `${recordSize}-bit ${ip}: data found`);
        if (pointer) found++;
      }
      assert.ok(found > 800, `${found} of 2,000 addresses found`);
    }
  });

  test('records above 24 bits: both nibbles of a 28-bit node, full 32-bit values', () => {
    // Two nodes of a tree said to hold 2^24 nodes, so records reach past 24 bits (the bundled tree's never do).
    const nodeCount = 0x100_0000;
    for (const recordSize of [28, 32] as const) {
      const tree = Buffer.alloc((2 * recordSize) / 4);
      writeNode(tree, recordSize, 0, 1, 0x2ff_ffff); // 0... -> node 1; 1... -> data
      writeNode(tree, recordSize, 1, 0x500_0001, nodeCount); // 00... -> data; 01... -> no data
      const walk = new MmdbTree(tree, { nodeCount, nodeByteSize: recordSize / 4, recordSize, ipVersion: 4 });
      assert.equal(walk.pointerOf({ family: 4, value: 0x0000_0001 }), 0x500_0001, `${recordSize}-bit left`);
      assert.equal(walk.pointerOf({ family: 4, value: 0x4000_0000 }), 0, `${recordSize}-bit no data`);
      assert.equal(walk.pointerOf({ family: 4, value: 0x8000_0000 }), 0x2ff_ffff, `${recordSize}-bit right`);
    }
  });

  test('a pointer of 0 means no data; an unknown record size is refused', () => {
    const tree = new MmdbTree(bundled, new Reader(bundled).metadata);
    assert.equal(tree.pointerOf({ family: 6, value: 0xfd00n << 112n }), 0); // unique-local: not in the data
    assert.throws(() => new MmdbTree(bundled, { nodeCount: 1, nodeByteSize: 5, recordSize: 20, ipVersion: 6 }), /unsupported MMDB record size 20/);
  });
});
