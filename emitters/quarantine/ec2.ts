/**
 * EC2 containment, in the order that keeps the evidence and stops the damage first:
 * read the instance and refuse protected or out-of-policy ones; find or create the VPC's
 * isolation group (no ingress, no egress); move every network interface into it; snapshot every
 * attached EBS volume (tagged with the report id); tag the instance; then the opt-in steps:
 * detach the instance profile, stop, terminate.
 */
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { QuarantineSettings } from './config.ts';
import type { QuarantineLedger } from './ledger.ts';
import { REPORT_TAG } from './offline.ts';
import type { StepRunner } from './steps.ts';


const tagsOf = (instance: Instance) => new Map((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** Why policy forbids touching this instance, or undefined when it allows it. */
export const instanceRefusal = (instance: Instance, ownerId: string | undefined, settings: QuarantineSettings): string | undefined => {
  const tags = tagsOf(instance);
  if (tags.has(settings.protectedTag)) return `tagged ${settings.protectedTag}`;
  if (settings.accounts.length > 0 && !(ownerId && settings.accounts.includes(ownerId))) {
    return `account ${ownerId ?? 'unknown'} is not in the quarantine allowlist`;
  }
  for (const [key, value] of Object.entries(settings.requiredTags)) {
    if (tags.get(key) !== value) return `lacks the required tag ${key}=${value}`;
  }
  if (!instance.VpcId) return 'not in a VPC';
  const state = instance.State?.Name;
  if (state === 'terminated' || state === 'shutting-down') return `already ${state}`;
  return undefined;
};

const isDuplicateGroup = (error: unknown) => (error as { name?: string; Code?: string }).name === 'InvalidGroup.Duplicate';

const findIsolationGroup = async (ec2: EC2Client, vpcId: string, name: string) => {
  const { SecurityGroups } = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [name] }] }),
  );
  return SecurityGroups?.[0]?.GroupId;
};

/** Creates the group and removes the allow-all egress rule every new group gets. */
const createIsolationGroup = async (ec2: EC2Client, vpcId: string, name: string, reportId: string) => {
  let groupId: string | undefined;
  try {
    ({ GroupId: groupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        VpcId: vpcId,
        Description: 'AlertWarden quarantine: no ingress, no egress',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: REPORT_TAG, Value: reportId }] }],
      }),
    ));
  } catch (error) {
    // Another emit created it between our describe and create: use theirs.
    if (!isDuplicateGroup(error)) throw error;
    const existing = await findIsolationGroup(ec2, vpcId, name);
    if (!existing) throw error;
    return existing;
  }
  if (!groupId) throw new Error('CreateSecurityGroup returned no GroupId');
  await ec2.send(
    new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
  );
  return groupId;
};

export interface Ec2QuarantineInput {
  instanceId: string;
  reportId: string;
  ec2: EC2Client;
  settings: QuarantineSettings;
  ledger: QuarantineLedger;
  runner: StepRunner;
  now: () => number;
}

export const quarantineInstance = async ({ instanceId, reportId, ec2, settings, ledger, runner, now }: Ec2QuarantineInput): Promise<void> => {
  let instance: Instance | undefined;
  let ownerId: string | undefined;
  try {
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const reservation = Reservations?.find((r) => r.Instances?.some((i) => i.InstanceId === instanceId));
    instance = reservation?.Instances?.find((i) => i.InstanceId === instanceId);
    ownerId = reservation?.OwnerId;
  } catch (error) {
    const e = error as Error;
    runner.note({ action: 'ec2:DescribeInstances', target: instanceId, outcome: 'failed', result: `${e.name}: ${e.message}` });
    return;
  }
  if (!instance) {
    runner.note({ action: 'guard', target: instanceId, outcome: 'skipped', result: 'no such instance in this account and region' });
    return;
  }
  const refusal = instanceRefusal(instance, ownerId, settings);
  if (refusal) {
    runner.note({ action: 'guard', target: instanceId, outcome: 'refused', result: refusal });
    return;
  }
  if (!runner.dryRun && !(await ledger.takeSlot(reportId, instanceId, settings.maxActionsPerHour))) {
    runner.note({ action: 'guard', target: instanceId, outcome: 'refused', result: `cap of ${settings.maxActionsPerHour} quarantined resources per hour reached` });
    return;
  }
  const vpcId = instance.VpcId!;

  let groupId = await findIsolationGroup(ec2, vpcId, settings.isolationGroupName).catch(() => undefined);
  if (!groupId) {
    groupId = await runner.act(
      'ec2:CreateSecurityGroup',
      vpcId,
      `${settings.isolationGroupName} in ${vpcId}, then RevokeSecurityGroupEgress of its allow-all rule`,
      () => createIsolationGroup(ec2, vpcId, settings.isolationGroupName, reportId),
    );
  }
  const isolation = groupId ?? `(new ${settings.isolationGroupName})`;
  const interfaces = (instance.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).filter((id): id is string => !!id);
  for (const eni of interfaces) {
    // Per interface, not ModifyInstanceAttribute: that would leave every secondary ENI open.
    await runner.act('ec2:ModifyNetworkInterfaceAttribute', eni, `Groups=[${isolation}] (was ${instanceId}'s)`, async () => {
      if (!groupId) throw new Error('no isolation group');
      await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [groupId] }));
      return `Groups=[${groupId}]`;
    });
  }

  if (settings.snapshotVolumes) {
    const volumes = (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((id): id is string => !!id);
    for (const volumeId of volumes) {
      await runner.act('ec2:CreateSnapshot', volumeId, `of ${instanceId}, tagged ${REPORT_TAG}=${reportId}`, async () => {
        const { SnapshotId } = await ec2.send(
          new CreateSnapshotCommand({
            VolumeId: volumeId,
            Description: `AlertWarden evidence: ${instanceId} for report ${reportId}`,
            TagSpecifications: [
              { ResourceType: 'snapshot', Tags: [{ Key: REPORT_TAG, Value: reportId }, { Key: 'alertwarden:instance-id', Value: instanceId }] },
            ],
          }),
        );
        return SnapshotId ?? '(no snapshot id)';
      });
    }
  }

  await runner.act('ec2:CreateTags', instanceId, `alertwarden:quarantined=${reportId}`, async () => {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [instanceId],
        Tags: [
          { Key: 'alertwarden:quarantined', Value: reportId },
          { Key: 'alertwarden:quarantined-at', Value: new Date(now()).toISOString() },
        ],
      }),
    );
    return 'tagged';
  });

  if (settings.detachInstanceProfile && instance.IamInstanceProfile?.Arn) {
    const profile = instance.IamInstanceProfile.Arn;
    await runner.act('ec2:DisassociateIamInstanceProfile', instanceId, profile, async () => {
      const { IamInstanceProfileAssociations } = await ec2.send(
        new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }, { Name: 'state', Values: ['associated'] }] }),
      );
      const associationId = IamInstanceProfileAssociations?.[0]?.AssociationId;
      if (!associationId) return 'no profile associated any more';
      await ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: associationId }));
      return `detached ${profile}`;
    });
  }
  if (settings.stopInstance) {
    await runner.act('ec2:StopInstances', instanceId, 'stop (volumes kept)', async () => {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
      return 'stopping';
    });
    if (settings.terminateInstance) {
      await runner.act('ec2:TerminateInstances', instanceId, 'terminate', async () => {
        await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
        return 'terminating';
      });
    }
  }
};
