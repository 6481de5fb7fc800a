import { defineRule } from '../../rule.ts';
import { accountOf, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'iam-user-added-to-group',
  title: 'IAM user added to a group',
  severity: 'medium',
  source: 'cloudtrail',
  description: 'Group membership grants every policy of the group at once; check the user and the group are expected together.',
  eventNames: ['AddUserToGroup'],
  match: (r) => r.eventSource === 'iam.amazonaws.com' && succeeded(r),
  alertKey: (r) => `${accountOf(r)}:${str(r.requestParameters, 'groupName') ?? 'group'}`,
  attributes: (r) => {
    const user = str(r.requestParameters, 'userName');
    return user ? [{ type: 'username', key: 'requestParameters.userName', value: user, context: ['object'] }] : [];
  },
  summary: (r) => `${principalName(r)} added ${str(r.requestParameters, 'userName')} to group ${str(r.requestParameters, 'groupName')}`,
});
