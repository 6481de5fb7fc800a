import { defineRule } from '../../rule.ts';
import { accountOf, asList, field, policyStatements, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;
const PUBLIC_CANNED = ['public-read', 'public-read-write', 'authenticated-read'];
const BLOCK_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

const loosensBlock = (r: CloudTrailRecord): boolean => {
  const config = field(r.requestParameters, 'PublicAccessBlockConfiguration');
  return BLOCK_FLAGS.some((flag) => field(config, flag) === false || field(config, flag) === 'false');
};

const publicAcl = (r: CloudTrailRecord): boolean => {
  const canned = asList(field(r.requestParameters, 'x-amz-acl')).map(String);
  if (canned.some((c) => PUBLIC_CANNED.includes(c))) return true;
  const grants = asList(field(r.requestParameters, 'AccessControlPolicy', 'AccessControlList', 'Grant'));
  return grants.some((g) => PUBLIC_GROUPS.test(str(g, 'Grantee', 'URI') ?? ''));
};

/** Allow to everyone with no condition; a condition (source VPC, org id) usually scopes it back down. */
const publicPolicy = (r: CloudTrailRecord): boolean =>
  policyStatements(field(r.requestParameters, 'bucketPolicy')).some((s) => {
    const principal = s.Principal;
    const everyone = principal === '*' || asList(field(principal, 'AWS')).includes('*');
    return s.Effect === 'Allow' && everyone && s.Condition === undefined;
  });

const CHECKS: Record<string, (r: CloudTrailRecord) => boolean> = {
  DeleteBucketPublicAccessBlock: () => true,
  DeleteAccountPublicAccessBlock: () => true,
  PutBucketPublicAccessBlock: loosensBlock,
  PutAccountPublicAccessBlock: loosensBlock,
  PutBucketAcl: publicAcl,
  PutBucketPolicy: publicPolicy,
};

const bucketOf = (r: CloudTrailRecord) => str(r.requestParameters, 'bucketName');

export default defineRule<CloudTrailRecord>({
  id: 's3-public-access',
  title: 'S3 public access block removed or bucket made public',
  severity: 'high',
  source: 'cloudtrail',
  description: 'A bucket (or the whole account) lost its public access block, or was opened to everyone by ACL or policy: the most common way data leaks from AWS.',
  eventNames: Object.keys(CHECKS),
  match: (r) => r.eventSource === 's3.amazonaws.com' && succeeded(r) && (CHECKS[r.eventName]?.(r) ?? false),
  alertKey: (r) => `${accountOf(r)}:${bucketOf(r) ?? 'account'}`,
  attributes: (r) => {
    const bucket = bucketOf(r);
    return bucket ? [{ type: 'aws_arn', key: 'requestParameters.bucketName', value: `arn:aws:s3:::${bucket}`, context: ['object'] }] : [];
  },
  summary: (r) => `${principalName(r)} called ${r.eventName} on ${bucketOf(r) ? `bucket ${bucketOf(r)}` : `account ${accountOf(r)}`}`,
});
