/**
 * A lookup table of IP ranges sized for millions of entries: which listed range holds this
 * address, the most specific one when ranges nest. Ranges are flattened once, at build, into
 * sorted non-overlapping intervals held in typed arrays; a lookup is one binary search.
 * For a million IPv4 CIDRs that is ~40 MB and ~20 comparisons, where a list of objects
 * scanned per lookup cost +420 MB and 239 ms (issue 10).
 *
 * Used by the blocklist inspector, the geoip ASN table, the AWS ranges inspector and the
 * flow-log rule: build with `IpRangeTableBuilder`, query with `lookup`.
 */
import type { IpKey, IpRange } from './ip-address.ts';

/** What a lookup found: the value given to `add` and the range as it was added. */
export interface IpRangeHit {
  value: number;
  range: IpRange;
}

/** A Uint32Array that grows by doubling, so a list of unknown length costs ~4 bytes per entry. */
class GrowableUint32 {
  array = new Uint32Array(1024);
  length = 0;
  push(x: number) {
    if (this.length === this.array.length) {
      const next = new Uint32Array(this.array.length * 2);
      next.set(this.array);
      this.array = next;
    }
    this.array[this.length++] = x;
  }
  trimmed(): Uint32Array {
    return this.array.slice(0, this.length);
  }
}

interface Flat<T> {
  firsts: ArrayLike<T>;
  lasts: ArrayLike<T>;
  /** Index of the entry each interval belongs to. */
  owners: Uint32Array;
}

/**
 * Sweeps the entries in (first ascending, last descending) order with a stack of open ranges:
 * each point gets the innermost range holding it (for nested CIDRs, the most specific; for
 * ranges that only overlap, the one that starts later). Identical ranges keep the first added.
 */
const flatten = <T extends number | bigint>(
  firsts: ArrayLike<T>,
  lasts: ArrayLike<T>,
  order: Uint32Array,
  next: (x: T) => T,
  previousOf: (x: T) => T,
  emit: (first: T, last: T, owner: number) => void,
): void => {
  const stack: number[] = [];
  let cursor: T | undefined; // first point not yet emitted, once something was opened
  const close = (upTo: T | undefined) => {
    // Emit and pop every open range ending before `upTo` (all of them when undefined).
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const last = lasts[top]!;
      if (upTo !== undefined && last >= upTo) return;
      if (cursor !== undefined && cursor <= last) {
        emit(cursor, last, top);
        cursor = next(last);
      }
      stack.pop();
    }
  };
  let previous = -1;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const first = firsts[i]!;
    if (previous >= 0 && firsts[previous] === first && lasts[previous] === lasts[i]) continue;
    previous = i;
    close(first);
    if (stack.length > 0 && cursor !== undefined && cursor < first) emit(cursor, previousOf(first), stack[stack.length - 1]!);
    if (cursor === undefined || cursor < first) cursor = first;
    stack.push(i);
  }
  close(undefined);
};

/**
 * The IPv4 sweep of `flatten`, written out for typed arrays: no callbacks, the entries first
 * gathered in sorted order so the sweep reads memory in sequence, the output preallocated (a
 * sweep emits at most 2n - 1 intervals). The generic sweep, shared with bigint, cost ~1 s of a
 * 1M-CIDR build.
 */
const flatten4 = (firsts: Uint32Array, lasts: Uint32Array, order: Uint32Array): { firsts: Uint32Array; lasts: Uint32Array; owners: Uint32Array } => {
  const n = order.length;
  const sortedFirsts = new Uint32Array(n);
  const sortedLasts = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    sortedFirsts[k] = firsts[order[k]!]!;
    sortedLasts[k] = lasts[order[k]!]!;
  }
  const outFirsts = new Uint32Array(Math.max(0, 2 * n - 1));
  const outLasts = new Uint32Array(outFirsts.length);
  const outOwners = new Uint32Array(outFirsts.length);
  let emitted = 0;
  const stack = new Uint32Array(n); // positions in sorted order of the open ranges, innermost on top
  let depth = 0;
  let cursor = -1; // first point not yet emitted, once something was opened
  for (let k = 0; k <= n; k++) {
    // Past the end, close everything still open.
    const first = k < n ? sortedFirsts[k]! : -1;
    if (k < n && k > 0 && first === sortedFirsts[k - 1] && sortedLasts[k] === sortedLasts[k - 1]) continue; // exact duplicate: the first added stays
    // Emit and pop every open range ending before this start.
    while (depth > 0) {
      const top = stack[depth - 1]!;
      const last = sortedLasts[top]!;
      if (first >= 0 && last >= first) break;
      if (cursor >= 0 && cursor <= last) {
        outFirsts[emitted] = cursor;
        outLasts[emitted] = last;
        outOwners[emitted++] = order[top]!;
        cursor = last + 1;
      }
      depth--;
    }
    if (k === n) break;
    // The enclosing range's part before this start.
    if (depth > 0 && cursor >= 0 && cursor < first) {
      outFirsts[emitted] = cursor;
      outLasts[emitted] = first - 1;
      outOwners[emitted++] = order[stack[depth - 1]!]!;
    }
    if (cursor < first) cursor = first;
    stack[depth++] = k;
  }
  return { firsts: outFirsts.slice(0, emitted), lasts: outLasts.slice(0, emitted), owners: outOwners.slice(0, emitted) };
};

/** 0, 1, ..., n - 1. */
const identity = (n: number): Uint32Array => {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
};

/**
 * Whether the entries were added already in sweep order (first ascending, last descending):
 * data files such as the ASN CSV are written sorted, and one pass spares them the sort.
 */
const inOrder = <T extends number | bigint>(firsts: ArrayLike<T>, lasts: ArrayLike<T>): boolean => {
  for (let i = 1; i < firsts.length; i++) {
    if (firsts[i]! < firsts[i - 1]! || (firsts[i] === firsts[i - 1] && lasts[i]! > lasts[i - 1]!)) return false;
  }
  return true;
};

/** Where the low 32 bits of a 64-bit typed-array element sit in its Uint32Array view. */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * Entry indexes in (first ascending, last descending, index ascending) order. Each entry
 * becomes one uint64 `first << 32 | index`, written through a Uint32Array view (no BigInt is
 * made), so the engine's native numeric sort does the work; only runs of equal starts (nested
 * CIDRs on one base) are then ordered by end with a comparator. A comparator sort of a
 * million entries took ~1.5 s (20M callbacks), an LSD radix sort ~0.4 s; this ~0.1 s.
 */
const sortOrder4 = (firsts: Uint32Array, lasts: Uint32Array): Uint32Array => {
  const n = firsts.length;
  if (inOrder(firsts, lasts)) return identity(n);
  const keys = new BigUint64Array(n);
  const words = new Uint32Array(keys.buffer);
  for (let i = 0; i < n; i++) {
    words[2 * i + LOW_WORD] = i;
    words[2 * i + 1 - LOW_WORD] = firsts[i]!;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = words[2 * k + LOW_WORD]!;
  const byEndDescending = (a: number, b: number) => lasts[b]! - lasts[a]! || a - b;
  for (let k = 0; k < n; ) {
    let end = k + 1;
    while (end < n && firsts[order[end]!] === firsts[order[k]!]) end++;
    if (end - k > 1) order.subarray(k, end).sort(byEndDescending);
    k = end;
  }
  return order;
};

/** binarySearch for IPv4 only: a Uint32Array of numbers, so the IPv4 paths never share a call site with bigint arrays. */
export const binarySearch4 = (firsts: Uint32Array, value: number): number => {
  let lo = 0;
  let hi = firsts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (firsts[mid]! <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
};

const binarySearch = <T extends number | bigint>(firsts: ArrayLike<T>, value: T): number => {
  // Index of the last interval starting at or before `value`, or -1.
  let lo = 0;
  let hi = firsts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (firsts[mid]! <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
};

/**
 * A family's table as built: each interval with the entry that owns it, and each entry's range
 * and value, in the order `lookup` searches them. What a serialised form stores.
 */
export interface FlatIntervals<T extends number | bigint> {
  firsts: ArrayLike<T>;
  lasts: ArrayLike<T>;
  owners: Uint32Array;
  entryFirsts: ArrayLike<T>;
  entryLasts: ArrayLike<T>;
  values: ArrayLike<number>;
}

/** Flips the sign bit: `x ^ SIGN` maps an address's 32 bits to an int32 whose signed order is address order. */
const SIGN = 0x80000000;
const BUCKETS = 65536;

/**
 * Whether an IPv4 address lies in any of a set of ranges, for a question asked of both ends of
 * every flow-log line. Sorted, merged intervals with a first-level index by /16: a lookup
 * searches only the intervals that reach into the address's /16, so a miss where no range is
 * near (nearly every lookup, even against a million-entry list) costs three array reads, not a
 * binary search over every interval. The index is 256 KiB per set.
 *
 * Addresses are taken as their 32 bits, as a uint32 or as the int32 `x | 0` gives (the same
 * address): callers on a hot path pass the int32, which V8 keeps as a small integer, where a
 * uint32 from 128.0.0.0 up is a heap number allocated each time it crosses a call that was not
 * inlined (two per flow-log line, and the young-generation collections they caused).
 */
export class Ipv4RangeSet {
  private constructor(
    /** Interval bounds as `bits ^ SIGN`: compared as int32 they sort in address order. */
    private readonly firsts: Int32Array,
    private readonly lasts: Int32Array,
    /** buckets[b]: the first interval ending at or after the first address of /16 number b; buckets[65536] = interval count. */
    private readonly buckets: Int32Array,
  ) {}

  /** From ranges as uint32 first/last pairs, in any order, overlapping or not. */
  static of(firsts: ArrayLike<number>, lasts: ArrayLike<number>): Ipv4RangeSet {
    const n = firsts.length;
    // One uint64 per range, first in the high word and last in the low, sorted by the engine's
    // numeric sort (no comparator callback, no BigInt made), as sortOrder4 does.
    const keys = new BigUint64Array(n);
    const words = new Uint32Array(keys.buffer);
    for (let i = 0; i < n; i++) {
      words[2 * i + 1 - LOW_WORD] = firsts[i]!;
      words[2 * i + LOW_WORD] = lasts[i]!;
    }
    keys.sort();
    const mergedFirsts = new Uint32Array(n);
    const mergedLasts = new Uint32Array(n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const first = words[2 * k + 1 - LOW_WORD]!;
      const last = words[2 * k + LOW_WORD]!;
      if (m > 0 && first <= mergedLasts[m - 1]! + 1) {
        if (last > mergedLasts[m - 1]!) mergedLasts[m - 1] = last;
      } else {
        mergedFirsts[m] = first;
        mergedLasts[m++] = last;
      }
    }
    const buckets = new Int32Array(BUCKETS + 1);
    for (let b = 0, k = 0; b < BUCKETS; b++) {
      while (k < m && mergedLasts[k]! < b * BUCKETS) k++;
      buckets[b] = k;
    }
    buckets[BUCKETS] = m;
    const biased = (xs: Uint32Array) => Int32Array.from(xs.subarray(0, m), (x) => x ^ SIGN);
    return new Ipv4RangeSet(biased(mergedFirsts), biased(mergedLasts), buckets);
  }

  /** Merged, non-overlapping intervals. */
  get size(): number {
    return this.firsts.length;
  }

  /** Whether any range holds `address` (its 32 bits, as a uint32 or an int32), allocating nothing. */
  has(address: number): boolean {
    const key = address ^ SIGN;
    const bucket = address >>> 16;
    // A range holding the address ends at or after its /16's start, and only the first range
    // ending at or after the next /16's start can still begin inside this one.
    let lo = this.buckets[bucket]!;
    let hi = this.buckets[bucket + 1]!;
    const firsts = this.firsts;
    if (hi >= firsts.length) hi = firsts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (firsts[mid]! <= key) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && key <= this.lasts[found]!;
  }
}

export class IpRangeTable {
  constructor(
    private readonly v4: Flat<number> & { firsts: Uint32Array; entryFirsts: Uint32Array; entryLasts: Uint32Array; values: Uint32Array },
    private readonly v6: Flat<bigint> & { entryFirsts: bigint[]; entryLasts: bigint[]; values: number[] },
  ) {}

  /** The flattened intervals per family, read-only: inspectors/geoip writes its ASN table to a file from them. */
  get intervals(): { v4: FlatIntervals<number>; v6: FlatIntervals<bigint> } {
    return { v4: this.v4, v6: this.v6 };
  }

  /** Entries added (after dropping exact duplicates, which keep the first). */
  get size(): number {
    return this.v4.entryFirsts.length + this.v6.entryFirsts.length;
  }

  /**
   * Whether any range holds the IPv4 address `value` (a uint32), allocating nothing: the
   * flow-log detector asks this for two addresses of every line, nearly always for a miss.
   */
  containsV4(value: number): boolean {
    const at = binarySearch4(this.v4.firsts as Uint32Array, value);
    return at >= 0 && value <= this.v4.lasts[at]!;
  }

  /** The innermost range holding `key`, or undefined. */
  lookup(key: IpKey): IpRangeHit | undefined {
    if (key.family === 4) {
      const t = this.v4;
      const at = binarySearch4(t.firsts, key.value);
      if (at < 0 || key.value > t.lasts[at]!) return undefined;
      const owner = t.owners[at]!;
      return { value: t.values[owner]!, range: { family: 4, first: t.entryFirsts[owner]!, last: t.entryLasts[owner]! } };
    }
    const t = this.v6;
    const at = binarySearch(t.firsts, key.value);
    if (at < 0 || key.value > t.lasts[at]!) return undefined;
    const owner = t.owners[at]!;
    return { value: t.values[owner]!, range: { family: 6, first: t.entryFirsts[owner]!, last: t.entryLasts[owner]! } };
  }
}

/**
 * @example
 * const builder = new IpRangeTableBuilder();
 * builder.add(parseCidr('203.0.113.0/24')!, 5); // value: here the list's line number
 * const table = builder.build();
 * table.lookup(parseIp('203.0.113.9')!)?.value // 5
 */
export class IpRangeTableBuilder {
  private v4First = new GrowableUint32();
  private v4Last = new GrowableUint32();
  private v4Value = new GrowableUint32();
  private v6First: bigint[] = [];
  private v6Last: bigint[] = [];
  private v6Value: number[] = [];

  get size(): number {
    return this.v4First.length + this.v6First.length;
  }

  /** `value` is a uint32 the caller maps back to its own data (a line number, a record index). */
  add(range: IpRange, value: number): void {
    if (range.family === 4) {
      this.addIpv4(range.first, range.last, value);
    } else {
      this.v6First.push(range.first);
      this.v6Last.push(range.last);
      this.v6Value.push(value);
    }
  }

  /** `add` without building a range object, for loaders that read a million lines. */
  addIpv4(first: number, last: number, value: number): void {
    this.v4First.push(first);
    this.v4Last.push(last);
    this.v4Value.push(value);
  }

  build(): IpRangeTable {
    const firsts4 = this.v4First.trimmed();
    const lasts4 = this.v4Last.trimmed();
    const values4 = this.v4Value.trimmed();
    const flat4 = flatten4(firsts4, lasts4, sortOrder4(firsts4, lasts4));

    const f6 = this.v6First;
    const l6 = this.v6Last;
    const order6 = identity(f6.length);
    if (!inOrder(f6, l6)) order6.sort((a, b) => (f6[a]! < f6[b]! ? -1 : f6[a]! > f6[b]! ? 1 : l6[a]! > l6[b]! ? -1 : l6[a]! < l6[b]! ? 1 : a - b));
    const out6 = { firsts: [] as bigint[], lasts: [] as bigint[], owners: new GrowableUint32() };
    flatten<bigint>(f6, l6, order6, (x) => x + 1n, (x) => x - 1n, (first, last, owner) => {
      out6.firsts.push(first);
      out6.lasts.push(last);
      out6.owners.push(owner);
    });

    return new IpRangeTable(
      {
        ...flat4,
        entryFirsts: firsts4,
        entryLasts: lasts4,
        values: values4,
      },
      { firsts: out6.firsts, lasts: out6.lasts, owners: out6.owners.trimmed(), entryFirsts: f6, entryLasts: l6, values: this.v6Value },
    );
  }
}
