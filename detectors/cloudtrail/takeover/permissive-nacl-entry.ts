import { defineRule, type RuleContext } from '../../rule.ts';
import { accountOf, field, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const WORLD = ['0.0.0.0/0', '::/0'];

/** Inbound allow from anywhere, on all protocols or on ports beyond the ones a public tier may expose. */
const permissive = (r: CloudTrailRecord, ctx: RuleContext): boolean => {
  const p = r.requestParameters;
  if (str(p, 'ruleAction') !== 'allow' || field(p, 'egress') === true) return false;
  if (!WORLD.includes(str(p, 'cidrBlock') ?? '') && !WORLD.includes(str(p, 'ipv6CidrBlock') ?? '')) return false;
  const protocol = str(p, 'protocol') ?? str(p, 'aclProtocol');
  if (protocol === '-1' || protocol === 'all') return true;
  const from = Number(field(p, 'portRange', 'from'));
  const to = Number(field(p, 'portRange', 'to'));
  if (!Number.isFinite(from) || !Number.isFinite(to)) return true;
  for (let port = from; port <= to; port++) if (!ctx.settings.ingressAllowedPorts.includes(port)) return true;
  return false;
};

export default defineRule<CloudTrailRecord>({
  id: 'permissive-nacl-entry',
  title: 'Network ACL opened to the internet',
  severity: 'medium',
  source: 'cloudtrail',
  description: 'A network ACL entry now allows inbound traffic from anywhere on all protocols or on ports outside the allowed ones, removing a subnet-wide layer of defence.',
  eventNames: ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry'],
  match: (r, ctx) => succeeded(r) && permissive(r, ctx),
  alertKey: (r) => `${accountOf(r)}:${str(r.requestParameters, 'networkAclId') ?? 'acl'}`,
  summary: (r) =>
    `${principalName(r)} allowed ${str(r.requestParameters, 'cidrBlock') ?? str(r.requestParameters, 'ipv6CidrBlock')} on protocol ${str(r.requestParameters, 'protocol')} ports ${str(r.requestParameters, 'portRange', 'from') ?? '*'}-${str(r.requestParameters, 'portRange', 'to') ?? '*'} in ${str(r.requestParameters, 'networkAclId')}`,
});
