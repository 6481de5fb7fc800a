import type { AttributeInput } from '../../../core/alert.ts';
import { defineRule } from '../../rule.ts';
import { accountOf, asList, field, items, principalName, str, succeeded, type CloudTrailRecord } from '../record.ts';

const addsGroupAll = (permission: unknown): boolean => items(field(permission, 'add')).some((i) => str(i, 'group') === 'all');

const CHECKS: Record<string, (r: CloudTrailRecord) => boolean> = {
  ModifySnapshotAttribute: (r) => addsGroupAll(field(r.requestParameters, 'createVolumePermission')),
  ModifyImageAttribute: (r) => addsGroupAll(field(r.requestParameters, 'launchPermission')),
  // RDS: attributeName "restore" with "all" among the accounts added.
  ModifyDBSnapshotAttribute: (r) => asList(field(r.requestParameters, 'valuesToAdd')).includes('all'),
  ModifyDBClusterSnapshotAttribute: (r) => asList(field(r.requestParameters, 'valuesToAdd')).includes('all'),
};

const resourceOf = (r: CloudTrailRecord): string =>
  str(r.requestParameters, 'snapshotId') ??
  str(r.requestParameters, 'imageId') ??
  str(r.requestParameters, 'dBSnapshotIdentifier') ??
  str(r.requestParameters, 'dBClusterSnapshotIdentifier') ??
  'unknown';

export default defineRule<CloudTrailRecord>({
  id: 'snapshot-shared-publicly',
  title: 'Snapshot or AMI shared with everyone',
  severity: 'high',
  source: 'cloudtrail',
  description: 'A disk snapshot, database snapshot or machine image was made public: anyone can copy it and read the data on it.',
  eventNames: Object.keys(CHECKS),
  match: (r) => succeeded(r) && (CHECKS[r.eventName]?.(r) ?? false),
  alertKey: (r) => `${accountOf(r)}:${resourceOf(r)}`,
  attributes: (r): AttributeInput[] => {
    const region = r.awsRegion ?? 'us-east-1';
    const id = resourceOf(r);
    const arn = id.startsWith('snap-')
      ? `arn:aws:ec2:${region}::snapshot/${id}`
      : id.startsWith('ami-')
        ? `arn:aws:ec2:${region}::image/${id}`
        : `arn:aws:rds:${region}:${accountOf(r)}:snapshot:${id}`;
    return id === 'unknown' ? [] : [{ type: 'aws_arn', key: 'resource', value: arn, context: ['object'] }];
  },
  summary: (r) => `${principalName(r)} made ${resourceOf(r)} public (${r.eventName})`,
});
