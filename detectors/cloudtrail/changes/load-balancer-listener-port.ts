import { defineRule, type RuleContext } from '../../rule.ts';
import { accountOf, field, items, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

/** Ports a call puts listeners on: v2 CreateListener/ModifyListener, classic CreateLoadBalancer(Listeners). */
const portsOf = (r: CloudTrailRecord): number[] => {
  const p = r.requestParameters;
  if (r.eventName === 'CreateListener' || r.eventName === 'ModifyListener') {
    const port = field(p, 'port');
    return port === undefined || port === null ? [] : [Number(port)];
  }
  return items(field(p, 'listeners')).map((l) => Number(field(l, 'loadBalancerPort')));
};

const balancerOf = (r: CloudTrailRecord): string =>
  str(r.requestParameters, 'loadBalancerArn') ?? str(r.requestParameters, 'listenerArn') ?? str(r.requestParameters, 'loadBalancerName') ?? 'unknown';

const offending = (r: CloudTrailRecord, ctx: RuleContext) => portsOf(r).filter((port) => !ctx.settings.listenerAllowedPorts.includes(port));

export default defineRule<CloudTrailRecord>({
  id: 'load-balancer-listener-port',
  title: 'Load balancer listener on a non-allowed port',
  severity: 'medium',
  source: 'cloudtrail',
  description: 'A load balancer now listens on a port outside ALERTWARDEN_DETECT_LISTENER_ALLOWED_PORTS, exposing a back-end service that was not meant to face clients.',
  eventNames: ['CreateListener', 'ModifyListener', 'CreateLoadBalancerListeners', 'CreateLoadBalancer'],
  match: (r, ctx) => r.eventSource === 'elasticloadbalancing.amazonaws.com' && succeeded(r) && offending(r, ctx).length > 0,
  alertKey: (r) => `${accountOf(r)}:${balancerOf(r)}`,
  attributes: (r) => {
    const arn = balancerOf(r);
    return arn.startsWith('arn:') ? [{ type: 'aws_arn', key: 'loadBalancer', value: arn, context: ['object'] }] : [];
  },
  summary: (r, ctx) => `${principalName(r)} put a listener on port ${offending(r, ctx).join(', ')} of ${balancerOf(r)}`,
});
