import { defineRule } from '../../rule.ts';
import { IANA_PROTOCOLS, isInternalAt, type FlowLogRecord } from '../format.ts';

export default defineRule<FlowLogRecord>({
  id: 'flowlog-reject-from-instance',
  title: 'Traffic from our instance rejected',
  severity: 'medium',
  source: 'flowlogs',
  description:
    'A security group or network ACL rejected traffic that one of our own addresses sent: a compromised instance scanning or calling home, or a broken deployment. One report per network interface.',
  match: (r, ctx) => r.action === 'REJECT' && r.flowDirection !== 'ingress' && isInternalAt(r, 'srcaddr', ctx.network),
  alertKey: (r) => r.interfaceId ?? r.srcaddr ?? 'unknown',
  summary: (r) => `${r.srcaddr}:${r.srcport} -> ${r.dstaddr}:${r.dstport} ${IANA_PROTOCOLS[r.protocol ?? ''] ?? r.protocol} rejected on ${r.interfaceId}`,
});
