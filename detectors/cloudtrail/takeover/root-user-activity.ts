import { defineRule } from '../../rule.ts';
import { accountOf, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'root-user-activity',
  title: 'The root user made an API call',
  severity: 'critical',
  source: 'cloudtrail',
  description:
    'The root user can do anything and no IAM policy restrains it; AWS recommends it be used for almost nothing. Confirm who holds the root credentials and why they were used.',
  // invokedBy: a service acting for root (e.g. support); AwsServiceEvent: AWS acting on the account, not a person.
  match: (r) => r.userIdentity?.type === 'Root' && r.userIdentity.invokedBy === undefined && r.eventType !== 'AwsServiceEvent',
  alertKey: (r) => accountOf(r),
  summary: (r) => `root called ${r.eventName} in account ${accountOf(r)}${r.errorCode ? ` (${r.errorCode})` : ''}`,
});
