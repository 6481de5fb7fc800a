import { defineRule } from '../../rule.ts';
import { principalName, principalOf, str, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'console-login-without-mfa',
  title: 'Console sign-in without MFA',
  severity: 'high',
  source: 'cloudtrail',
  description:
    'An IAM user or the root user signed in to the console with a password alone; a phished or reused password is then enough to take the account. Federated sign-ins are left out: their MFA is the identity provider\'s.',
  eventNames: ['ConsoleLogin'],
  match: (r) =>
    (r.userIdentity?.type === 'IAMUser' || r.userIdentity?.type === 'Root') &&
    str(r.responseElements, 'ConsoleLogin') === 'Success' &&
    str(r.additionalEventData, 'MFAUsed') === 'No',
  alertKey: (r) => principalOf(r),
  summary: (r) => `${principalName(r)} signed in to the console without MFA from ${r.sourceIPAddress ?? 'an unknown address'}`,
});
