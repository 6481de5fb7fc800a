import { defineRule } from '../../rule.ts';
import { accountOf, str, succeeded, type CloudTrailRecord } from '../record.ts';

export default defineRule<CloudTrailRecord>({
  id: 'root-access-key-created',
  title: 'Access key created for the root user',
  severity: 'critical',
  source: 'cloudtrail',
  description: 'Root access keys never expire and no IAM policy limits them: a classic persistence step after an account takeover.',
  eventNames: ['CreateAccessKey'],
  // Root creating a key for an IAM user names that user in requestParameters; its own key does not.
  match: (r) => r.userIdentity?.type === 'Root' && succeeded(r) && str(r.requestParameters, 'userName') === undefined,
  alertKey: (r) => accountOf(r),
  attributes: (r) => {
    const key = str(r.responseElements, 'accessKey', 'accessKeyId');
    return key ? [{ type: 'aws_access_key_id', key: 'responseElements.accessKey.accessKeyId', value: key, context: ['object'] }] : [];
  },
  summary: (r) => `a root access key was created in account ${accountOf(r)}`,
});
