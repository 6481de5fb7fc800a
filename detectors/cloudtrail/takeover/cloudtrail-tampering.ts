import { defineRule } from '../../rule.ts';
import { accountOf, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'cloudtrail-tampering',
  title: 'CloudTrail logging stopped, deleted or narrowed',
  severity: 'high',
  source: 'cloudtrail',
  description:
    'A trail was stopped, deleted, re-pointed or had its event selectors changed: intruders blind the audit log before they act. Re-enable the trail and review what happened around this time.',
  eventNames: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
  match: (r) => r.eventSource === 'cloudtrail.amazonaws.com' && succeeded(r),
  alertKey: (r) => `${accountOf(r)}:${str(r.requestParameters, 'name') ?? str(r.requestParameters, 'trailName') ?? 'trail'}`,
  attributes: (r) => {
    const name = str(r.requestParameters, 'name') ?? '';
    return name.startsWith('arn:') ? [{ type: 'aws_arn', key: 'requestParameters.name', value: name, context: ['object'] }] : [];
  },
  summary: (r) => `${principalName(r)} called ${r.eventName} on trail ${str(r.requestParameters, 'name') ?? 'unknown'}`,
});
