import { defineRule, type RuleContext } from '../../rule.ts';
import { accountOf, asList, field, items, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

interface Permission {
  protocol: string;
  from: number;
  to: number;
  cidr: string;
}

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** The (protocol, ports, CIDR) triples a call adds: AuthorizeSecurityGroupIngress or ModifySecurityGroupRules. */
const permissionsOf = (r: CloudTrailRecord): Permission[] => {
  const out: Permission[] = [];
  const add = (protocol: unknown, from: unknown, to: unknown, cidr: unknown) => {
    if (typeof cidr !== 'string') return;
    const p = String(protocol ?? '-1').toLowerCase();
    out.push({ protocol: PROTOCOL_NAMES[p] ?? p, from: Number(from ?? -1), to: Number(to ?? from ?? -1), cidr });
  };
  const p = r.requestParameters;
  if (r.eventName === 'AuthorizeSecurityGroupIngress') {
    for (const perm of items(field(p, 'ipPermissions'))) {
      for (const range of items(field(perm, 'ipRanges'))) add(field(perm, 'ipProtocol'), field(perm, 'fromPort'), field(perm, 'toPort'), field(range, 'cidrIp'));
      for (const range of items(field(perm, 'ipv6Ranges'))) add(field(perm, 'ipProtocol'), field(perm, 'fromPort'), field(perm, 'toPort'), field(range, 'cidrIpv6'));
    }
    // The older flat form (EC2-Classic era SDKs).
    add(field(p, 'ipProtocol'), field(p, 'fromPort'), field(p, 'toPort'), field(p, 'cidrIp'));
  } else {
    for (const entry of asList(field(p, 'ModifySecurityGroupRulesRequest', 'SecurityGroupRule'))) {
      const rule = field(entry, 'SecurityGroupRule');
      if (field(rule, 'IsEgress') === true) continue;
      add(field(rule, 'IpProtocol'), field(rule, 'FromPort'), field(rule, 'ToPort'), field(rule, 'CidrIpv4') ?? field(rule, 'CidrIpv6'));
    }
  }
  return out;
};

const groupOf = (r: CloudTrailRecord): string =>
  str(r.requestParameters, 'groupId') ?? str(r.requestParameters, 'ModifySecurityGroupRulesRequest', 'GroupId') ?? str(r.requestParameters, 'groupName') ?? 'unknown';

/** Fine when the source is one of our ranges, or the protocol and every port are allowed to the world. */
const exposes = (p: Permission, ctx: RuleContext): boolean => {
  if (ctx.network.cidrIsInternal(p.cidr)) return false;
  const { ingressAllowedProtocols, ingressAllowedPorts } = ctx.settings;
  if (p.protocol === '-1' || !ingressAllowedProtocols.includes(p.protocol)) return true;
  if (!(p.from >= 0 && p.to >= p.from && p.to <= 65535)) return true;
  if (p.to - p.from > 1024) return true;
  for (let port = p.from; port <= p.to; port++) if (!ingressAllowedPorts.includes(port)) return true;
  return false;
};

const describe = (p: Permission) => `${p.protocol === '-1' ? 'all traffic' : `${p.protocol} ${p.from === p.to ? p.from : `${p.from}-${p.to}`}`} from ${p.cidr}`;

export default defineRule<CloudTrailRecord>({
  id: 'security-group-ingress',
  title: 'Security group opened to a non-allowlisted range or port',
  severity: 'high',
  source: 'cloudtrail',
  description:
    'An ingress rule now admits traffic from outside our ranges on a port or protocol that is not allowed to the world (ALERTWARDEN_DETECT_INGRESS_* settings). Exposed SSH, RDP and databases are how instances get taken.',
  eventNames: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
  match: (r, ctx) => succeeded(r) && !ctx.settings.ingressExemptGroups.includes(groupOf(r)) && permissionsOf(r).some((p) => exposes(p, ctx)),
  alertKey: (r) => `${accountOf(r)}:${groupOf(r)}`,
  attributes: (r) => {
    const group = groupOf(r);
    return group.startsWith('sg-') ? [{ type: 'aws_arn', key: 'groupId', value: `arn:aws:ec2:${r.awsRegion ?? 'us-east-1'}:${accountOf(r)}:security-group/${group}`, context: ['object'] }] : [];
  },
  summary: (r, ctx) =>
    `${principalName(r)} opened ${groupOf(r)} to ${permissionsOf(r)
      .filter((p) => exposes(p, ctx))
      .map(describe)
      .join(', ')}`,
});
