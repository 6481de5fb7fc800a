import { defineRule } from '../../rule.ts';
import { principalName, principalOf, type CloudTrailRecord } from '../record.ts';

// EC2 says Client.UnauthorizedOperation, most services AccessDenied or AccessDeniedException.
const DENIED = /(UnauthorizedOperation|^AccessDenied\w*)$/;

export default defineRule<CloudTrailRecord>({
  id: 'access-denied',
  title: 'API calls denied to a principal',
  severity: 'medium',
  source: 'cloudtrail',
  description:
    'A principal called an API it is not allowed to: often a misconfigured role, sometimes stolen credentials being tried against permissions they do not have. One report per principal collects the burst.',
  match: (r) => r.errorCode !== undefined && DENIED.test(r.errorCode) && r.userIdentity?.type !== 'AWSService',
  alertKey: (r) => principalOf(r),
  summary: (r) => `${principalName(r)} was denied ${r.eventSource ?? ''} ${r.eventName} (${r.errorCode})`,
});
