import type { AttributeInput } from '../../../core/alert.ts';
import { defineRule } from '../../rule.ts';
import { accountOf, field, items, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const imageOf = (r: CloudTrailRecord): string | undefined =>
  str(r.requestParameters, 'imageId') ?? items(field(r.requestParameters, 'instancesSet')).map((i) => str(i, 'imageId')).find(Boolean);

export default defineRule<CloudTrailRecord>({
  id: 'ami-first-seen',
  title: 'Instance launched from an image never seen in this account',
  severity: 'medium',
  source: 'cloudtrail',
  description:
    'An instance was started from an AMI this account has not launched before: a marketplace or community image, or one an intruder built. Check the image owner. Seen images are remembered in the table.',
  eventNames: ['RunInstances'],
  match: (r) => succeeded(r) && imageOf(r) !== undefined,
  alertKey: (r) => `${accountOf(r)}:${imageOf(r)}`,
  firstSeen: (r) => {
    const image = imageOf(r);
    return image ? { scope: `ami:${accountOf(r)}`, value: image } : undefined;
  },
  attributes: (r): AttributeInput[] => {
    const out: AttributeInput[] = [];
    const image = imageOf(r);
    if (image) out.push({ type: 'aws_arn', key: 'imageId', value: `arn:aws:ec2:${r.awsRegion ?? 'us-east-1'}::image/${image}`, context: ['object'] });
    for (const instance of items(field(r.responseElements, 'instancesSet')).slice(0, 20)) {
      const id = str(instance, 'instanceId');
      if (id) out.push({ type: 'aws_instance_id', key: 'responseElements.instancesSet.instanceId', value: id, context: ['object'] });
    }
    return out;
  },
  summary: (r) => `${principalName(r)} launched an instance from ${imageOf(r)}, first seen in account ${accountOf(r)}`,
});
