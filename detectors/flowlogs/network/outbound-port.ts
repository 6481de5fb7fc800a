import { defineRule, type RuleContext } from '../../rule.ts';
import { IANA_PROTOCOLS, integerOf, isInternalAt, type FlowLogRecord } from '../format.ts';

const SYN = 2;
// Flow logs OR the flags of a window together and report a SYN-ACK as 18: the side that sent it is the server.
const SYN_ACK = 16;

/**
 * Our address opened this connection: tcp-flags SYN or flow-direction when the format has
 * them; otherwise the client's port is the higher one (an ephemeral port), so a reply from our
 * own service on 22 to a client's 51234 is not read as us connecting out to 51234.
 */
const weInitiated = (r: FlowLogRecord): boolean => {
  if (r.flowDirection === 'ingress') return false;
  if (r.tcpFlags !== undefined && r.protocol === '6') {
    const flags = Number(r.tcpFlags);
    return (flags & SYN) !== 0 && (flags & SYN_ACK) === 0;
  }
  return Number(r.dstport) <= Number(r.srcport);
};

const outbound = (r: FlowLogRecord, ctx: RuleContext): boolean => {
  if (r.action !== 'ACCEPT') return false;
  // Most accepted flows are on an allowed port: that test comes first and reads the port in place.
  const port = integerOf(r, 'dstport');
  if (ctx.settings.outboundAllowedPorts.includes(port)) return false;
  if ((r.protocol !== '6' && r.protocol !== '17') || (port < 0 && r.dstport === undefined)) return false;
  return weOpenedToOutside(r, ctx);
};

const weOpenedToOutside = (r: FlowLogRecord, ctx: RuleContext): boolean =>
  isInternalAt(r, 'srcaddr', ctx.network) && r.dstaddr !== undefined && !isInternalAt(r, 'dstaddr', ctx.network) && weInitiated(r);

export default defineRule<FlowLogRecord>({
  id: 'flowlog-outbound-port',
  title: 'Outbound connection on a port outside the allowlist',
  severity: 'medium',
  source: 'flowlogs',
  description:
    'One of our instances connected to the internet on a port not in ALERTWARDEN_DETECT_OUTBOUND_ALLOWED_PORTS: command-and-control, data exfiltration or a miner pool often use such ports.',
  match: outbound,
  alertKey: (r) => `${r.interfaceId ?? r.srcaddr}:${IANA_PROTOCOLS[r.protocol ?? ''] ?? r.protocol}/${r.dstport}`,
  summary: (r) => `${r.srcaddr}:${r.srcport} -> ${r.dstaddr}:${r.dstport} ${IANA_PROTOCOLS[r.protocol ?? ''] ?? r.protocol} accepted on ${r.interfaceId}`,
});
