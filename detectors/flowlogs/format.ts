/**
 * VPC Flow Logs records: the default (version 2) format and custom formats. Files in S3 start
 * with a header line naming the fields (`version account-id interface-id srcaddr …`);
 * CloudWatch Logs lines carry no header, so their format comes from the settings. A field
 * AWS could not fill is `-` and reads as undefined here.
 */
import type { AttributeInput } from '../../core/alert.ts';
import { LogFormatError } from '../errors.ts';
import type { NetworkMatcher } from '../network.ts';

/** The fields rules and responders use; any other field of a custom format is kept in `extra`. */
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

/** Splits one line into a record; returns undefined for a line with the wrong number of fields. */
export type FlowLogParser = (line: string) => FlowLogRecord | undefined;

export const isHeaderLine = (line: string): boolean => {
  const first = line.slice(0, line.indexOf(' ') >>> 0);
  return FLOW_LOG_FIELDS.has(first) && !/^\d/.test(first);
};

/**
 * Builds a parser for one format. The field positions are resolved once, so a line costs a
 * split and one fixed-shape object.
 */
export const flowLogParser = (fields: readonly string[], where = 'flow-log format'): FlowLogParser => {
  fields.forEach((name, i) => {
    if (!FLOW_LOG_FIELDS.has(name)) throw new LogFormatError(`${where} field ${i + 1}`, `${JSON.stringify(name.slice(0, 40))} is not a flow-log field`);
  });
  const at = (name: keyof typeof KNOWN) => fields.indexOf(name);
  const ix = {
    version: at('version'), accountId: at('account-id'), interfaceId: at('interface-id'), srcaddr: at('srcaddr'), dstaddr: at('dstaddr'),
    srcport: at('srcport'), dstport: at('dstport'), protocol: at('protocol'), packets: at('packets'), bytes: at('bytes'), start: at('start'),
    end: at('end'), action: at('action'), logStatus: at('log-status'), instanceId: at('instance-id'), vpcId: at('vpc-id'),
    region: at('region'), flowDirection: at('flow-direction'), tcpFlags: at('tcp-flags'), pktSrcaddr: at('pkt-srcaddr'), pktDstaddr: at('pkt-dstaddr'),
  };
  const count = fields.length;
  const get = (parts: string[], i: number): string | undefined => {
    if (i < 0) return undefined;
    const v = parts[i]!;
    return v === '-' ? undefined : v;
  };
  return (line) => {
    const parts = line.split(' ');
    if (parts.length !== count) return undefined;
    return {
      version: get(parts, ix.version), accountId: get(parts, ix.accountId), interfaceId: get(parts, ix.interfaceId),
      srcaddr: get(parts, ix.srcaddr), dstaddr: get(parts, ix.dstaddr), srcport: get(parts, ix.srcport), dstport: get(parts, ix.dstport),
      protocol: get(parts, ix.protocol), packets: get(parts, ix.packets), bytes: get(parts, ix.bytes), start: get(parts, ix.start),
      end: get(parts, ix.end), action: get(parts, ix.action), logStatus: get(parts, ix.logStatus), instanceId: get(parts, ix.instanceId),
      vpcId: get(parts, ix.vpcId), region: get(parts, ix.region), flowDirection: get(parts, ix.flowDirection), tcpFlags: get(parts, ix.tcpFlags),
      pktSrcaddr: get(parts, ix.pktSrcaddr), pktDstaddr: get(parts, ix.pktDstaddr),
    };
  };
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
