import { defineRule } from '../../rule.ts';
import { accountOf, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const globMatches = (glob: string, name: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(name);

export default defineRule<CloudTrailRecord>({
  id: 'iam-user-created',
  title: 'New IAM user',
  severity: 'medium',
  source: 'cloudtrail',
  description: 'A long-lived IAM user was created outside the names allowed by ALERTWARDEN_DETECT_IAM_USER_ALLOWLIST; a backdoor user is a common persistence step.',
  eventNames: ['CreateUser'],
  match: (r, ctx) => {
    const name = str(r.requestParameters, 'userName');
    return r.eventSource === 'iam.amazonaws.com' && succeeded(r) && name !== undefined && !ctx.settings.iamUserAllowlist.some((g) => globMatches(g, name));
  },
  alertKey: (r) => `${accountOf(r)}:${str(r.requestParameters, 'userName')}`,
  attributes: (r) => {
    const user = str(r.requestParameters, 'userName');
    const arn = str(r.responseElements, 'user', 'arn');
    return [
      ...(user ? [{ type: 'username' as const, key: 'requestParameters.userName', value: user, context: ['object' as const] }] : []),
      ...(arn ? [{ type: 'aws_arn' as const, key: 'responseElements.user.arn', value: arn, context: ['object' as const] }] : []),
    ];
  },
  summary: (r) => `${principalName(r)} created IAM user ${str(r.requestParameters, 'userName')}`,
});
