import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { formatRange, parseCidr, parseIp, type IpRange } from './ip-address.ts';
import { IpRangeTableBuilder, Ipv4RangeSet } from './ip-range-table.ts';

const tableOf = (cidrs: string[]) => {
  const builder = new IpRangeTableBuilder();
  cidrs.forEach((cidr, i) => builder.add(parseCidr(cidr) ?? { family: 4, first: parseIp(cidr)!.value as number, last: parseIp(cidr)!.value as number }, i));
  return builder.build();
};
const found = (table: ReturnType<typeof tableOf>, ip: string) => {
  const hit = table.lookup(parseIp(ip)!);
  return hit && `${hit.value}:${formatRange(hit.range)}`;
};

describe('IpRangeTable', () => {
  test('the most specific of nested ranges wins, on both sides of the inner one', () => {
    const table = tableOf(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3', '2001:db8::/32', '2001:db8:bad::/48']);
    assert.equal(found(table, '10.0.0.1'), '0:10.0.0.0/8');
    assert.equal(found(table, '10.1.0.0'), '1:10.1.0.0/16');
    assert.equal(found(table, '10.1.2.2'), '2:10.1.2.0/24');
    assert.equal(found(table, '10.1.2.3'), '3:10.1.2.3');
    assert.equal(found(table, '10.1.2.4'), '2:10.1.2.0/24');
    assert.equal(found(table, '10.1.3.0'), '1:10.1.0.0/16');
    assert.equal(found(table, '10.255.255.255'), '0:10.0.0.0/8');
    assert.equal(found(table, '11.0.0.0'), undefined);
    assert.equal(found(table, '9.255.255.255'), undefined);
    assert.equal(found(table, '2001:db8:bad::1'), '5:2001:db8:bad::/48');
    assert.equal(found(table, '2001:db8:bae::1'), '4:2001:db8::/32');
    assert.equal(found(table, '2001:db9::'), undefined);
  });

  test('an exact duplicate keeps the first; the edges of the address space work', () => {
    const table = tableOf(['0.0.0.0/0', '255.255.255.255', '203.0.113.0/24', '203.0.113.0/24']);
    assert.equal(table.size, 4);
    assert.equal(found(table, '203.0.113.1'), '2:203.0.113.0/24');
    assert.equal(found(table, '255.255.255.255'), '1:255.255.255.255');
    assert.equal(found(table, '0.0.0.0'), '0:0.0.0.0/0');
  });

  test('an empty table finds nothing', () => {
    assert.equal(new IpRangeTableBuilder().build().lookup(parseIp('203.0.113.1')!), undefined);
  });

  // Brute force: the containing range with the latest start, then the smallest, then the first added.
  const expected = (ranges: IpRange[], point: number) => {
    let best = -1;
    ranges.forEach((r, i) => {
      if (r.family !== 4 || point < r.first || point > r.last) return;
      const b = ranges[best] as { first: number; last: number } | undefined;
      if (!b || r.first > b.first || (r.first === b.first && r.last < b.last)) best = i;
    });
    return best;
  };

  /** The ranges as a data file would list them: start ascending, then end descending (what the build checks for to skip its sort). */
  const sweepOrder = (ranges: IpRange[]) => [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.last > b.last ? -1 : a.last < b.last ? 1 : 0));

  test('agrees with a brute-force scan on random overlapping ranges, added in any order or already sorted', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })).map(([first, len]): IpRange => ({ family: 4, first, last: first + len }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (unsorted) => {
        for (const ranges of [unsorted, sweepOrder(unsorted)]) {
          const builder = new IpRangeTableBuilder();
          ranges.forEach((r, i) => builder.add(r, i));
          const table = builder.build();
          for (let point = 0; point <= 262; point++) {
            const hit = table.lookup({ family: 4, value: point });
            assert.equal(hit?.value ?? -1, expected(ranges, point), `point ${point}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('IPv6: agrees with a brute-force scan, added in any order or already sorted', () => {
    const base = 0x2001_0db8n << 96n;
    const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })).map(([first, len]): IpRange => ({ family: 6, first: base + BigInt(first), last: base + BigInt(first + len) }));
    const expected6 = (ranges: IpRange[], point: bigint) => expected(ranges.map((r) => ({ family: 4, first: Number((r.first as bigint) - base), last: Number((r.last as bigint) - base) })), Number(point - base));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (unsorted) => {
        for (const ranges of [unsorted, sweepOrder(unsorted)]) {
          const builder = new IpRangeTableBuilder();
          ranges.forEach((r, i) => builder.add(r, i));
          const table = builder.build();
          for (let point = base; point <= base + 262n; point++) {
            const hit = table.lookup({ family: 6, value: point });
            assert.equal(hit?.value ?? -1, expected6(ranges, point), `point ${point - base}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('agrees with a brute-force scan across the whole IPv4 space (16-bit digit boundaries, both ends)', () => {
    // Starts near multiples of 2^16, at the top of the space and shared, so every digit the build sorts by varies.
    const start = fc.oneof(
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -3, max: 3 })).map(([high, d]) => Math.min(0xffff_ffff, Math.max(0, high * 0x1_0000 + d))),
      fc.integer({ min: 0xffff_ff00, max: 0xffff_ffff }),
      // Shared starts, so nesting is decided by the ends alone, whichever digit they differ in.
      fc.constantFrom(0, 0xffff, 0x1_0000, 0x7fff_0000, 0xfffe_fffe),
    );
    const range = fc.tuple(start, fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0x3_0000 }), fc.integer({ min: 0, max: 0xffff_ffff }))).map(
      ([first, len]): IpRange => ({ family: 4, first, last: Math.min(0xffff_ffff, first + len) }),
    );
    fc.assert(
      fc.property(fc.array(range, { maxLength: 40 }), (ranges) => {
        const builder = new IpRangeTableBuilder();
        ranges.forEach((r, i) => builder.add(r, i));
        const table = builder.build();
        // Probe every edge: each start and end, and the points beside them.
        const points = new Set<number>([0, 0xffff_ffff]);
        for (const r of ranges as { first: number; last: number }[]) for (const p of [r.first - 1, r.first, r.first + 1, r.last - 1, r.last, r.last + 1]) if (p >= 0 && p <= 0xffff_ffff) points.add(p);
        for (const point of points) {
          const hit = table.lookup({ family: 4, value: point });
          assert.equal(hit?.value ?? -1, expected(ranges, point), `point ${point}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Ipv4RangeSet', () => {
  const v4 = (ip: string) => parseIp(ip)!.value as number;
  const setOf = (cidrs: string[]) => {
    const ranges = cidrs.map((c) => parseCidr(c) ?? { family: 4 as const, first: v4(c), last: v4(c) }) as { first: number; last: number }[];
    return Ipv4RangeSet.of(ranges.map((r) => r.first), ranges.map((r) => r.last));
  };
  /** has() of the uint32 and of the int32 that `| 0` makes of it: the two must agree. */
  const has = (set: Ipv4RangeSet, ip: string) => {
    const u = v4(ip);
    assert.equal(set.has(u | 0), set.has(u), `${ip} as int32 and uint32`);
    return set.has(u);
  };

  test('the first and last address of a range are in it, the ones beside them are not; /32; both halves of the space', () => {
    const set = setOf(['203.0.113.0/24', '198.51.100.7', '10.1.0.0/16', '192.0.2.128/25']);
    const probes = ['203.0.112.255', '203.0.113.0', '203.0.113.255', '203.0.114.0', '198.51.100.6', '198.51.100.7', '198.51.100.8', '10.0.255.255', '10.1.0.0', '10.1.255.255', '10.2.0.0', '192.0.2.127', '192.0.2.128', '192.0.2.255', '192.0.3.0'];
    assert.deepEqual(probes.map((ip) => has(set, ip)), [false, true, true, false, false, true, false, false, true, true, false, false, true, true, false]);
  });

  test('/0 holds every address; the ends of the space; an empty set holds nothing', () => {
    const all = setOf(['0.0.0.0/0']);
    assert.deepEqual(['0.0.0.0', '127.255.255.255', '128.0.0.0', '255.255.255.255'].map((ip) => has(all, ip)), [true, true, true, true]);
    const ends = setOf(['0.0.0.0', '255.255.255.255']);
    assert.deepEqual(['0.0.0.0', '0.0.0.1', '255.255.255.254', '255.255.255.255'].map((ip) => has(ends, ip)), [true, false, false, true]);
    const empty = Ipv4RangeSet.of([], []);
    assert.deepEqual(['0.0.0.0', '10.0.0.1', '255.255.255.255'].map((ip) => has(empty, ip)), [false, false, false]);
  });

  test('overlapping, nested and touching ranges merge', () => {
    const set = setOf(['10.0.0.0/8', '10.1.0.0/16', '11.0.0.0/8', '9.255.255.255', '13.0.0.0/8']);
    assert.equal(set.size, 2);
    assert.deepEqual(['9.255.255.254', '9.255.255.255', '11.255.255.255', '12.0.0.0', '13.0.0.0'].map((ip) => has(set, ip)), [false, true, true, false, true]);
  });

  test('agrees with a brute-force scan across the whole IPv4 space (/16 edges, both ends, both number forms)', () => {
    const start = fc.oneof(
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -3, max: 3 })).map(([high, d]) => Math.min(0xffff_ffff, Math.max(0, high * 0x1_0000 + d))),
      fc.integer({ min: 0xffff_ff00, max: 0xffff_ffff }),
      fc.constantFrom(0, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xfffe_fffe),
    );
    const range = fc.tuple(start, fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0x3_0000 }), fc.integer({ min: 0, max: 0xffff_ffff }))).map(
      ([first, len]) => ({ first, last: Math.min(0xffff_ffff, first + len) }),
    );
    fc.assert(
      fc.property(fc.array(range, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { maxLength: 20 }), (ranges, random) => {
        const set = Ipv4RangeSet.of(ranges.map((r) => r.first), ranges.map((r) => r.last));
        const points = new Set<number>([0, 0xffff_ffff, 0x7fff_ffff, 0x8000_0000, ...random]);
        for (const r of ranges) for (const p of [r.first - 1, r.first, r.first + 1, r.last - 1, r.last, r.last + 1, r.first - (r.first % 0x1_0000), (r.last | 0xffff) >>> 0, ((r.last | 0xffff) >>> 0) + 1]) if (p >= 0 && p <= 0xffff_ffff) points.add(p);
        for (const point of points) {
          const inside = ranges.some((r) => r.first <= point && point <= r.last);
          assert.equal(set.has(point), inside, `point ${point}`);
          assert.equal(set.has(point | 0), inside, `point ${point} as int32`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
