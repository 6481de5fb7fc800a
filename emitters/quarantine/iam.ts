/**
 * Access key containment: deactivate the key (reversible, unlike deletion, so an analyst can
 * still see it) and, when configured, pin a deny-all inline policy on its user, which also
 * stops the user's other keys and console sessions from doing anything.
 */
import { GetAccessKeyLastUsedCommand, ListUserTagsCommand, PutUserPolicyCommand, UpdateAccessKeyCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { QuarantineSettings } from './config.ts';
import type { QuarantineLedger } from './ledger.ts';
import { DENY_ALL_POLICY_NAME } from './offline.ts';
import type { StepRunner } from './steps.ts';

export const DENY_ALL_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AlertWardenQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
});

export interface KeyQuarantineInput {
  accessKeyId: string;
  reportId: string;
  iam: IAMClient;
  settings: QuarantineSettings;
  ledger: QuarantineLedger;
  runner: StepRunner;
}

export const quarantineAccessKey = async ({ accessKeyId, reportId, iam, settings, ledger, runner }: KeyQuarantineInput): Promise<void> => {
  if (!accessKeyId.startsWith('AKIA')) {
    // ASIA keys are session credentials: IAM cannot deactivate them; the role's sessions must be revoked instead.
    runner.note({ action: 'guard', target: accessKeyId, outcome: 'skipped', result: 'not a long-term IAM user key (AKIA...); revoke the role sessions instead' });
    return;
  }
  let userName: string | undefined;
  try {
    ({ UserName: userName } = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })));
  } catch (error) {
    const e = error as Error;
    runner.note({ action: 'iam:GetAccessKeyLastUsed', target: accessKeyId, outcome: 'failed', result: `${e.name}: ${e.message}` });
    return;
  }
  if (!userName) {
    runner.note({ action: 'guard', target: accessKeyId, outcome: 'refused', result: 'no IAM user owns this key in this account' });
    return;
  }
  const { Tags } = await iam.send(new ListUserTagsCommand({ UserName: userName }));
  if (Tags?.some((t) => t.Key === settings.protectedTag)) {
    runner.note({ action: 'guard', target: accessKeyId, outcome: 'refused', result: `user ${userName} is tagged ${settings.protectedTag}` });
    return;
  }
  if (!runner.dryRun && !(await ledger.takeSlot(reportId, accessKeyId, settings.maxActionsPerHour))) {
    runner.note({ action: 'guard', target: accessKeyId, outcome: 'refused', result: `cap of ${settings.maxActionsPerHour} quarantined resources per hour reached` });
    return;
  }
  if (settings.deactivateAccessKey) {
    await runner.act('iam:UpdateAccessKey', accessKeyId, `Status=Inactive (user ${userName})`, async () => {
      await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' }));
      return `Inactive (user ${userName})`;
    });
  }
  if (settings.denyAllUserPolicy) {
    await runner.act('iam:PutUserPolicy', userName, `${DENY_ALL_POLICY_NAME}: Deny * on *`, async () => {
      await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: DENY_ALL_POLICY_NAME, PolicyDocument: DENY_ALL_POLICY }));
      return DENY_ALL_POLICY_NAME;
    });
  }
};
