import type { AttributeInput } from '../../../core/alert.ts';
import { defineRule } from '../../rule.ts';
import { accountOf, asList, policyStatements, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const ATTACH = ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'];
const INLINE = ['PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy'];

/** An inline policy that allows every action on every resource is AdministratorAccess by another name. */
const grantsEverything = (doc: unknown): boolean =>
  policyStatements(doc).some(
    (s) => s.Effect === 'Allow' && asList(s.Action).includes('*') && asList(s.Resource).includes('*') && s.Condition === undefined,
  );

const targetOf = (r: CloudTrailRecord): string =>
  str(r.requestParameters, 'userName') ?? str(r.requestParameters, 'roleName') ?? str(r.requestParameters, 'groupName') ?? 'unknown';

export default defineRule<CloudTrailRecord>({
  id: 'admin-policy-attached',
  title: 'Administrator access granted to a user, role or group',
  severity: 'high',
  source: 'cloudtrail',
  description:
    'AdministratorAccess (or an inline policy allowing * on *) was given to an identity: the usual way an intruder turns a foothold into full control. Check the change was requested.',
  eventNames: [...ATTACH, ...INLINE],
  match: (r) => {
    if (!succeeded(r)) return false;
    if (ATTACH.includes(r.eventName)) return /:policy\/AdministratorAccess$/.test(str(r.requestParameters, 'policyArn') ?? '');
    return grantsEverything(r.requestParameters?.policyDocument);
  },
  alertKey: (r) => `${accountOf(r)}:${targetOf(r)}`,
  attributes: (r) => {
    const out: AttributeInput[] = [];
    const user = str(r.requestParameters, 'userName');
    if (user) out.push({ type: 'username', key: 'requestParameters.userName', value: user, context: ['object'] });
    const role = str(r.requestParameters, 'roleName');
    if (role) out.push({ type: 'aws_arn', key: 'requestParameters.roleName', value: `arn:aws:iam::${accountOf(r)}:role/${role}`, context: ['object'] });
    return out;
  },
  summary: (r) => `${principalName(r)} gave ${targetOf(r)} administrator access (${r.eventName})`,
});
