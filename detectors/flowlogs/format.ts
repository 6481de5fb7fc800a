/**
 * VPC Flow Logs records: the default (version 2) format and custom formats. Files in S3 start
 * with a header line naming the fields (`version account-id interface-id srcaddr …`);
 * CloudWatch Logs lines carry no header, so their format comes from the settings. A field
 * AWS could not fill is `-` and reads as undefined here.
 */
import type { AttributeInput } from '../../core/alert.ts';
import { LogFormatError } from '../errors.ts';
import type { NetworkMatcher } from '../network.ts';

/** The fields rules and responders use; other fields of a custom format are not read. */
export interface FlowLogRecord {
  version: string | undefined;
  accountId: string | undefined;
  interfaceId: string | undefined;
  srcaddr: string | undefined;
  dstaddr: string | undefined;
  srcport: string | undefined;
  dstport: string | undefined;
  protocol: string | undefined;
  packets: string | undefined;
  bytes: string | undefined;
  start: string | undefined;
  end: string | undefined;
  action: string | undefined;
  logStatus: string | undefined;
  instanceId: string | undefined;
  vpcId: string | undefined;
  region: string | undefined;
  flowDirection: string | undefined;
  tcpFlags: string | undefined;
  pktSrcaddr: string | undefined;
  pktDstaddr: string | undefined;
}

const KNOWN = {
  version: 'version', 'account-id': 'accountId', 'interface-id': 'interfaceId', srcaddr: 'srcaddr', dstaddr: 'dstaddr',
  srcport: 'srcport', dstport: 'dstport', protocol: 'protocol', packets: 'packets', bytes: 'bytes', start: 'start',
  end: 'end', action: 'action', 'log-status': 'logStatus', 'instance-id': 'instanceId', 'vpc-id': 'vpcId',
  region: 'region', 'flow-direction': 'flowDirection', 'tcp-flags': 'tcpFlags', 'pkt-srcaddr': 'pktSrcaddr', 'pkt-dstaddr': 'pktDstaddr',
} as const satisfies Record<string, keyof FlowLogRecord>;

/** Every field name AWS documents for flow logs (versions 2-8), to recognise a header line. */
export const FLOW_LOG_FIELDS = new Set([
  ...Object.keys(KNOWN), 'subnet-id', 'type', 'az-id', 'sublocation-type', 'sublocation-id', 'pkt-src-aws-service',
  'pkt-dst-aws-service', 'traffic-path', 'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn',
  'ecs-container-instance-id', 'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name',
  'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id', 'reject-reason',
]);

/** Reads one line; returns undefined for a line with the wrong number of fields. */
export type FlowLogParser = (line: string) => FlowLogRecord | undefined;

/**
 * A header line: its first word is a field name. Data lines start with a digit (version) or an
 * id such as `eni-0a1b…`, so a word of letters and dashes alone is checked against the names.
 */
export const isHeaderLine = (line: string): boolean => {
  const end = line.indexOf(' ') >>> 0;
  for (let i = 0; i < line.length && i < end; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c === 45)) return false;
  }
  return FLOW_LOG_FIELDS.has(line.slice(0, end));
};

type Layout = { readonly [K in keyof FlowLogRecord]: number };

const layoutOf = (fields: readonly string[], where: string): Layout => {
  fields.forEach((name, i) => {
    if (!FLOW_LOG_FIELDS.has(name)) throw new LogFormatError(`${where} field ${i + 1}`, `${JSON.stringify(name.slice(0, 40))} is not a flow-log field`);
  });
  const at = (name: keyof typeof KNOWN) => fields.indexOf(name);
  // Written as one literal: filled key by key in a loop, the object went to dictionary mode
  // (a hash lookup on every field read of every line).
  return {
    version: at('version'), accountId: at('account-id'), interfaceId: at('interface-id'), srcaddr: at('srcaddr'), dstaddr: at('dstaddr'),
    srcport: at('srcport'), dstport: at('dstport'), protocol: at('protocol'), packets: at('packets'), bytes: at('bytes'), start: at('start'),
    end: at('end'), action: at('action'), logStatus: at('log-status'), instanceId: at('instance-id'), vpcId: at('vpc-id'),
    region: at('region'), flowDirection: at('flow-direction'), tcpFlags: at('tcp-flags'), pktSrcaddr: at('pkt-srcaddr'), pktDstaddr: at('pkt-dstaddr'),
  };
};

/**
 * Values most lines repeat: returned as these constants when the text matches, so reading them
 * allocates nothing.
 */
const COMMON: Partial<Record<keyof FlowLogRecord, readonly string[]>> = {
  action: ['ACCEPT', 'REJECT'],
  logStatus: ['OK', 'NODATA', 'SKIPDATA'],
  protocol: ['6', '17', '1', '58'],
  flowDirection: ['ingress', 'egress'],
  version: ['2', '3', '4', '5', '6', '7', '8'],
};

/**
 * One line of a known format, as a FlowLogRecord whose fields are cut out of the text only when
 * a rule reads them, once each. Most lines match no rule after reading three or four fields,
 * and slicing all fields of every line cost more than the rules themselves (a million lines
 * took 1.2 s to split, against ~0.2 s to find the field boundaries). `load` reuses the object
 * for the next line, so it holds no allocation per line; `toFlowLogRecord` copies one out.
 */
export class FlowLogLine implements FlowLogRecord {
  private text = '';
  /** Where field i starts; starts[count] is one past the end of the line plus one. */
  private readonly starts: Int32Array;
  private readonly values: (string | undefined)[];
  /** values[i] holds this line's field i when read[i] === generation. */
  private readonly read: Uint32Array;
  private generation = 0;
  private readonly common: (readonly string[] | undefined)[];
  readonly count: number;
  private readonly at: Layout;

  constructor(fields: readonly string[], where = 'flow-log format') {
    this.at = layoutOf(fields, where);
    this.count = fields.length;
    this.starts = new Int32Array(this.count + 1);
    this.values = new Array<string | undefined>(this.count).fill(undefined);
    this.read = new Uint32Array(this.count);
    this.common = fields.map((name) => COMMON[KNOWN[name as keyof typeof KNOWN]]);
  }

  /** Points this object at `line`; false (and unchanged) when the line has another number of fields. */
  load(line: string): boolean {
    return this.loadRange(line, 0, line.length);
  }

  /**
   * load() for the line text[start, end) of a larger text (a chunk of a file), read where it
   * lies: cutting each line out of the chunk first cost as much as parsing it.
   */
  loadRange(text: string, start: number, end: number): boolean {
    const starts = this.starts;
    starts[0] = start;
    let at = start;
    for (let i = 1; i < this.count; i++) {
      const space = text.indexOf(' ', at);
      if (space < 0 || space >= end) return false;
      at = space + 1;
      starts[i] = at;
    }
    const extra = text.indexOf(' ', at);
    if (extra >= 0 && extra < end) return false;
    starts[this.count] = end + 1;
    this.text = text;
    this.generation = (this.generation + 1) >>> 0 || 1;
    return true;
  }

  private field(i: number): string | undefined {
    if (i < 0) return undefined;
    if (this.read[i] === this.generation) return this.values[i];
    this.read[i] = this.generation;
    return (this.values[i] = this.cut(i));
  }

  private cut(i: number): string | undefined {
    const start = this.starts[i]!;
    const length = this.starts[i + 1]! - 1 - start;
    const text = this.text;
    if (length === 1 && text.charCodeAt(start) === 45) return undefined; // '-': AWS had no value
    const common = this.common[i];
    if (common) for (const c of common) if (c.length === length && text.startsWith(c, start)) return c;
    return text.slice(start, start + length);
  }

  /**
   * The field index of `key`. Rules name the field by a literal, but one call site sees several
   * names, and `this.at[key]` with a varying name is a megamorphic keyed load (a stub-cache
   * probe, ~5% of all instructions per line): the fields rules read in place are compared
   * first, by identity of the interned literal.
   */
  private index(key: keyof FlowLogRecord): number {
    const at = this.at;
    if (key === 'srcaddr') return at.srcaddr;
    if (key === 'dstaddr') return at.dstaddr;
    if (key === 'dstport') return at.dstport;
    if (key === 'srcport') return at.srcport;
    return at[key];
  }

  /** The field as a strict dotted-quad IPv4 number (as parseIpv4 reads it), -1 for anything else; read in place. */
  ipv4(key: keyof FlowLogRecord): number {
    const i = this.index(key);
    return i < 0 ? -1 : ipv4At(this.text, this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** The field's IPv4 address as int32 bits (see ipv4BitsAt), undefined for anything else; read in place. */
  ipv4Bits(key: keyof FlowLogRecord): number | undefined {
    const i = this.index(key);
    return i < 0 ? undefined : ipv4BitsAt(this.text, this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** The field as a decimal integer (a port, a protocol number), -1 when missing or not digits; read in place. */
  integer(key: keyof FlowLogRecord): number {
    const i = this.index(key);
    return i < 0 ? -1 : integerAt(this.text, this.starts[i]!, this.starts[i + 1]! - 1);
  }

  get version() { return this.field(this.at.version); }
  get accountId() { return this.field(this.at.accountId); }
  get interfaceId() { return this.field(this.at.interfaceId); }
  get srcaddr() { return this.field(this.at.srcaddr); }
  get dstaddr() { return this.field(this.at.dstaddr); }
  get srcport() { return this.field(this.at.srcport); }
  get dstport() { return this.field(this.at.dstport); }
  get protocol() { return this.field(this.at.protocol); }
  get packets() { return this.field(this.at.packets); }
  get bytes() { return this.field(this.at.bytes); }
  get start() { return this.field(this.at.start); }
  get end() { return this.field(this.at.end); }
  get action() { return this.field(this.at.action); }
  get logStatus() { return this.field(this.at.logStatus); }
  get instanceId() { return this.field(this.at.instanceId); }
  get vpcId() { return this.field(this.at.vpcId); }
  get region() { return this.field(this.at.region); }
  get flowDirection() { return this.field(this.at.flowDirection); }
  get tcpFlags() { return this.field(this.at.tcpFlags); }
  get pktSrcaddr() { return this.field(this.at.pktSrcaddr); }
  get pktDstaddr() { return this.field(this.at.pktDstaddr); }
}

/**
 * Strict dotted-decimal IPv4 in text[start, end) (as core/ip-address.ts parseIpv4 reads it) as
 * its 32 bits in an int32 (`x | 0` of the address; 255.255.255.255 is -1), undefined for
 * anything else. An int32 is a small integer in V8; the uint32 of an address from 128.0.0.0 up
 * is a heap number, allocated wherever it crosses a call that was not inlined: two per line
 * were most of the flow-log path's garbage.
 */
export const ipv4BitsAt = (text: string, start: number, end: number): number | undefined => {
  let bits = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (digits === 1 && part === 0) return undefined; // a leading zero
      part = part * 10 + c;
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === -2 && digits > 0 && dots < 3) {
      bits = (bits << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  return dots === 3 && digits > 0 ? (bits << 8) | part : undefined;
};

/** ipv4BitsAt as a uint32, -1 where it says undefined. */
export const ipv4At = (text: string, start: number, end: number): number => {
  const bits = ipv4BitsAt(text, start, end);
  return bits === undefined ? -1 : bits >>> 0;
};

/** Up to 9 decimal digits in text[start, end) as a number, -1 for anything else. */
export const integerAt = (text: string, start: number, end: number): number => {
  if (end <= start || end - start > 9) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
};

/**
 * A record's address field as an IPv4 number (-1 when absent or not IPv4) and an integer field
 * as a number (-1 when absent or not digits). Rules that run on every line use these: on a
 * FlowLogLine they read the text in place instead of cutting a string out of it.
 */
export const ipv4Of = (r: FlowLogRecord, key: keyof FlowLogRecord): number => {
  if (r instanceof FlowLogLine) return r.ipv4(key);
  const v = r[key];
  return v === undefined ? -1 : ipv4At(v, 0, v.length);
};

/** A record's address field as IPv4 int32 bits (ipv4BitsAt), undefined when absent or not IPv4: what rules on every line pass to the network matcher. */
export const ipv4BitsOf = (r: FlowLogRecord, key: keyof FlowLogRecord): number | undefined => {
  if (r instanceof FlowLogLine) return r.ipv4Bits(key);
  const v = r[key];
  return v === undefined ? undefined : ipv4BitsAt(v, 0, v.length);
};

export const integerOf = (r: FlowLogRecord, key: keyof FlowLogRecord): number => {
  if (r instanceof FlowLogLine) return r.integer(key);
  const v = r[key];
  return v === undefined ? -1 : integerAt(v, 0, v.length);
};

/**
 * Whether a record's address field is one of our addresses: IPv4 read in place (no string cut
 * out of the line), anything else (IPv6, odd spellings) through the matcher's own parse.
 */
export const isInternalAt = (r: FlowLogRecord, key: 'srcaddr' | 'dstaddr', network: NetworkMatcher): boolean => {
  const bits = ipv4BitsOf(r, key);
  if (bits !== undefined) return network.isInternalV4(bits);
  const address = r[key];
  return address !== undefined && network.isInternal(address);
};

/** A plain copy of a record (a FlowLogLine is reused for the next line): what alerts and collectors keep. */
export const toFlowLogRecord = (r: FlowLogRecord): FlowLogRecord => ({
  version: r.version, accountId: r.accountId, interfaceId: r.interfaceId, srcaddr: r.srcaddr, dstaddr: r.dstaddr,
  srcport: r.srcport, dstport: r.dstport, protocol: r.protocol, packets: r.packets, bytes: r.bytes, start: r.start,
  end: r.end, action: r.action, logStatus: r.logStatus, instanceId: r.instanceId, vpcId: r.vpcId,
  region: r.region, flowDirection: r.flowDirection, tcpFlags: r.tcpFlags, pktSrcaddr: r.pktSrcaddr, pktDstaddr: r.pktDstaddr,
});

/** A parser that returns a fresh plain record per line, for callers that keep every record. */
export const flowLogParser = (fields: readonly string[], where = 'flow-log format'): FlowLogParser => {
  const line = new FlowLogLine(fields, where);
  return (text) => (line.load(text) ? toFlowLogRecord(line) : undefined);
};

export const IANA_PROTOCOLS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

/**
 * Which end of the flow is ours. The flow log belongs to one ENI, but srcaddr/dstaddr alone do
 * not say which is that ENI's: our ranges decide, then `flow-direction` when the format has it.
 */
export const localIsSource = (r: FlowLogRecord, network: NetworkMatcher): boolean => {
  const srcOurs = r.srcaddr !== undefined && network.isInternal(r.srcaddr);
  const dstOurs = r.dstaddr !== undefined && network.isInternal(r.dstaddr);
  if (srcOurs !== dstOurs) return srcOurs;
  return r.flowDirection !== 'ingress';
};

/** ENI, local and remote address and port, instance, account, region: what a responder acts on. */
export const flowLogAttributes = (r: FlowLogRecord, network: NetworkMatcher): AttributeInput[] => {
  const out: AttributeInput[] = [];
  if (r.interfaceId) out.push({ type: 'aws_eni_id', key: 'interface-id', value: r.interfaceId, context: ['local'] });
  const srcLocal = localIsSource(r, network);
  const [localIp, localPort, remoteIp, remotePort] = srcLocal ? [r.srcaddr, r.srcport, r.dstaddr, r.dstport] : [r.dstaddr, r.dstport, r.srcaddr, r.srcport];
  if (localIp) out.push({ type: 'ipaddr', key: 'localAddress', value: localIp, context: ['local'] });
  if (remoteIp) out.push({ type: 'ipaddr', key: 'remoteAddress', value: remoteIp, context: ['remote'] });
  if (localPort) out.push({ type: 'port', key: 'localPort', value: localPort, context: ['local'] });
  if (remotePort) out.push({ type: 'port', key: 'remotePort', value: remotePort, context: ['remote'] });
  if (r.instanceId) out.push({ type: 'aws_instance_id', key: 'instance-id', value: r.instanceId, context: ['local'] });
  if (r.accountId) out.push({ type: 'aws_account_id', key: 'account-id', value: r.accountId, context: ['local'] });
  if (r.region) out.push({ type: 'aws_region', key: 'region', value: r.region, context: ['additional'] });
  return out;
};
