import { defineRule } from '../../rule.ts';
import { accountOf, str, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'root-console-login-failed',
  title: 'Failed console sign-in as root',
  severity: 'high',
  source: 'cloudtrail',
  description: 'Someone tried the root password and failed: password guessing, or a step of a phishing or account-recovery attack.',
  eventNames: ['ConsoleLogin'],
  match: (r) => r.userIdentity?.type === 'Root' && str(r.responseElements, 'ConsoleLogin') === 'Failure',
  alertKey: (r) => accountOf(r),
  summary: (r) => `failed root sign-in to account ${accountOf(r)} from ${r.sourceIPAddress ?? 'an unknown address'}${r.errorMessage ? `: ${r.errorMessage}` : ''}`,
});
