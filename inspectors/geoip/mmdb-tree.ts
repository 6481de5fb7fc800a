/**
 * The search tree of a MaxMind DB walked straight from an IpKey, the way mmdb-lib's
 * findAddressInTree walks it from a string. mmdb-lib only takes text: going through it cost a
 * formatIp, its regex-free re-parse into a byte array, a closure call per bit and a record
 * decode per lookup (the bulk of geoip's 35k lookups/s, issue 10). Here a lookup is at most 32
 * (IPv4) or 128 (IPv6) reads of the tree in the file's own Buffer, with no allocation; the
 * data-section pointer it ends on identifies the record, so callers decode each record once.
 *
 * Format: https://maxmind.github.io/MaxMind-DB/ (node = two records of 24, 28 or 32 bits; a
 * record < nodeCount is a node, == nodeCount is "no data", > nodeCount points into the data).
 */
import type { Reader, Response } from 'mmdb-lib';
import type { IpKey } from '../../core/ip-address.ts';

export class MmdbTree {
  private readonly nodeCount: number;
  private readonly nodeByteSize: number;
  private readonly recordSize: number;
  /** Where IPv4 addresses start in an IPv6 tree: the node after 96 zero bits (::a.b.c.d). */
  private readonly ipv4Start: number;

  constructor(
    private readonly db: Buffer,
    metadata: Pick<Reader<Response>['metadata'], 'nodeCount' | 'nodeByteSize' | 'recordSize' | 'ipVersion'>,
  ) {
    this.nodeCount = metadata.nodeCount;
    this.nodeByteSize = metadata.nodeByteSize;
    this.recordSize = metadata.recordSize;
    if (![24, 28, 32].includes(this.recordSize)) throw new RangeError(`unsupported MMDB record size ${this.recordSize}`);
    let node = 0;
    if (metadata.ipVersion === 6) for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.child(node, 0);
    this.ipv4Start = node;
  }

  private child(node: number, bit: number): number {
    const db = this.db;
    const at = node * this.nodeByteSize;
    if (this.recordSize === 24) {
      const o = bit ? at + 3 : at;
      return (db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!;
    }
    if (this.recordSize === 28) {
      // The middle byte holds the top 4 bits of both records: high nibble left, low nibble right.
      const o = bit ? at + 4 : at;
      const top = bit ? db[at + 3]! & 0x0f : db[at + 3]! >>> 4;
      return top * 0x100_0000 + ((db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!);
    }
    return db.readUInt32BE(bit ? at + 4 : at);
  }

  /**
   * The record `key` ends on, as a pointer (> 0) that names one data record, or 0 when the
   * tree has no data for it. IPv4 keys start at ::/96 as mmdb-lib starts them, so the tree's
   * own aliases (::ffff:0:0/96, 2002::/16) lead IPv6 keys to the same records it gives.
   */
  pointerOf(key: IpKey): number {
    const { nodeCount } = this;
    let node: number;
    if (key.family === 4) {
      node = this.ipv4Start;
      const value = key.value;
      for (let depth = 0; depth < 32 && node < nodeCount; depth++) node = this.child(node, (value >>> (31 - depth)) & 1);
    } else {
      node = 0;
      // Four 32-bit words, so each bit is a number shift instead of a bigint one.
      const v = key.value;
      const words = [Number((v >> 96n) & 0xffff_ffffn), Number((v >> 64n) & 0xffff_ffffn), Number((v >> 32n) & 0xffff_ffffn), Number(v & 0xffff_ffffn)];
      for (let depth = 0; depth < 128 && node < nodeCount; depth++) node = this.child(node, (words[depth >>> 5]! >>> (31 - (depth & 31))) & 1);
    }
    return node > nodeCount ? node : 0;
  }
}
