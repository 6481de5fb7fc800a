/**
 * What enforce would do, planned from the report alone: local runs have no EC2 or IAM endpoint
 * to read. Kept apart from ec2.ts and iam.ts so that planning never loads the EC2 or IAM SDK
 * clients (~0.18 s of CPU for EC2 alone in every local run that planned a quarantine).
 */
import type { QuarantineSettings } from './config.ts';
import type { StepRunner } from './steps.ts';

/** Put on every snapshot quarantine takes, so the evidence leads back to its report. */
export const REPORT_TAG = 'alertwarden:report-id';
export const DENY_ALL_POLICY_NAME = 'alertwarden-quarantine-deny-all';

export const planInstanceOffline = (instanceId: string, reportId: string, settings: QuarantineSettings, runner: StepRunner): void => {
  runner.note({ action: 'ec2:DescribeInstances', target: instanceId, outcome: 'planned', result: `check ${settings.protectedTag}, accounts, required tags` });
  runner.note({ action: 'ec2:CreateSecurityGroup', target: `${instanceId}'s VPC`, outcome: 'planned', result: `${settings.isolationGroupName} if missing, no ingress, no egress` });
  runner.note({ action: 'ec2:ModifyNetworkInterfaceAttribute', target: `each interface of ${instanceId}`, outcome: 'planned', result: `Groups=[${settings.isolationGroupName}]` });
  if (settings.snapshotVolumes) {
    runner.note({ action: 'ec2:CreateSnapshot', target: `each EBS volume of ${instanceId}`, outcome: 'planned', result: `tagged ${REPORT_TAG}=${reportId}` });
  }
  runner.note({ action: 'ec2:CreateTags', target: instanceId, outcome: 'planned', result: `alertwarden:quarantined=${reportId}` });
  if (settings.detachInstanceProfile) runner.note({ action: 'ec2:DisassociateIamInstanceProfile', target: instanceId, outcome: 'planned' });
  if (settings.stopInstance) runner.note({ action: 'ec2:StopInstances', target: instanceId, outcome: 'planned' });
  if (settings.stopInstance && settings.terminateInstance) runner.note({ action: 'ec2:TerminateInstances', target: instanceId, outcome: 'planned' });
};

export const planAccessKeyOffline = (accessKeyId: string, settings: QuarantineSettings, runner: StepRunner): void => {
  runner.note({ action: 'iam:GetAccessKeyLastUsed', target: accessKeyId, outcome: 'planned', result: `find its user, check ${settings.protectedTag}` });
  if (settings.deactivateAccessKey) runner.note({ action: 'iam:UpdateAccessKey', target: accessKeyId, outcome: 'planned', result: 'Status=Inactive' });
  if (settings.denyAllUserPolicy) runner.note({ action: 'iam:PutUserPolicy', target: `the user of ${accessKeyId}`, outcome: 'planned', result: DENY_ALL_POLICY_NAME });
};
