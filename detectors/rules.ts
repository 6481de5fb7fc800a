/**
 * Every built-in rule. A rule is a module under cloudtrail/<family>/ or flowlogs/<family>/
 * with its fixtures beside it (`<id>.fixtures.json`); add it here to enable it.
 */
import accessDenied from './cloudtrail/access/access-denied.ts';
import amiFirstSeen from './cloudtrail/changes/ami-first-seen.ts';
import iamUserAddedToGroup from './cloudtrail/changes/iam-user-added-to-group.ts';
import iamUserCreated from './cloudtrail/changes/iam-user-created.ts';
import loadBalancerListenerPort from './cloudtrail/changes/load-balancer-listener-port.ts';
import securityGroupIngress from './cloudtrail/changes/security-group-ingress.ts';
import type { CloudTrailRecord } from './cloudtrail/record.ts';
import adminPolicyAttached from './cloudtrail/takeover/admin-policy-attached.ts';
import cloudtrailTampering from './cloudtrail/takeover/cloudtrail-tampering.ts';
import consoleLoginWithoutMfa from './cloudtrail/takeover/console-login-without-mfa.ts';
import permissiveNaclEntry from './cloudtrail/takeover/permissive-nacl-entry.ts';
import rootAccessKeyCreated from './cloudtrail/takeover/root-access-key-created.ts';
import rootConsoleLoginFailed from './cloudtrail/takeover/root-console-login-failed.ts';
import rootUserActivity from './cloudtrail/takeover/root-user-activity.ts';
import s3PublicAccess from './cloudtrail/takeover/s3-public-access.ts';
import securityMonitoringDisabled from './cloudtrail/takeover/security-monitoring-disabled.ts';
import snapshotSharedPublicly from './cloudtrail/takeover/snapshot-shared-publicly.ts';
import type { FlowLogRecord } from './flowlogs/format.ts';
import blocklistedAddress from './flowlogs/network/blocklisted-address.ts';
import outboundPort from './flowlogs/network/outbound-port.ts';
import rejectFromInstance from './flowlogs/network/reject-from-instance.ts';
import { checkRuleSet, type Rule } from './rule.ts';

export const cloudTrailRules: readonly Rule<CloudTrailRecord>[] = checkRuleSet([
  accessDenied,
  rootUserActivity,
  consoleLoginWithoutMfa,
  rootConsoleLoginFailed,
  rootAccessKeyCreated,
  adminPolicyAttached,
  cloudtrailTampering,
  securityMonitoringDisabled,
  s3PublicAccess,
  snapshotSharedPublicly,
  permissiveNaclEntry,
  securityGroupIngress,
  loadBalancerListenerPort,
  amiFirstSeen,
  iamUserAddedToGroup,
  iamUserCreated,
]);

export const flowLogRules: readonly Rule<FlowLogRecord>[] = checkRuleSet([rejectFromInstance, outboundPort, blocklistedAddress]);

/** Where each rule's module lives, relative to detectors/: its fixtures are `<path>.fixtures.json`. */
export const RULE_PATHS: Record<string, string> = {
  'access-denied': 'cloudtrail/access/access-denied',
  'root-user-activity': 'cloudtrail/takeover/root-user-activity',
  'console-login-without-mfa': 'cloudtrail/takeover/console-login-without-mfa',
  'root-console-login-failed': 'cloudtrail/takeover/root-console-login-failed',
  'root-access-key-created': 'cloudtrail/takeover/root-access-key-created',
  'admin-policy-attached': 'cloudtrail/takeover/admin-policy-attached',
  'cloudtrail-tampering': 'cloudtrail/takeover/cloudtrail-tampering',
  'security-monitoring-disabled': 'cloudtrail/takeover/security-monitoring-disabled',
  's3-public-access': 'cloudtrail/takeover/s3-public-access',
  'snapshot-shared-publicly': 'cloudtrail/takeover/snapshot-shared-publicly',
  'permissive-nacl-entry': 'cloudtrail/takeover/permissive-nacl-entry',
  'security-group-ingress': 'cloudtrail/changes/security-group-ingress',
  'load-balancer-listener-port': 'cloudtrail/changes/load-balancer-listener-port',
  'ami-first-seen': 'cloudtrail/changes/ami-first-seen',
  'iam-user-added-to-group': 'cloudtrail/changes/iam-user-added-to-group',
  'iam-user-created': 'cloudtrail/changes/iam-user-created',
  'flowlog-reject-from-instance': 'flowlogs/network/reject-from-instance',
  'flowlog-outbound-port': 'flowlogs/network/outbound-port',
  'flowlog-blocklisted-address': 'flowlogs/network/blocklisted-address',
};
