import { defineRule } from '../../rule.ts';
import { accountOf, field, principalName, succeeded, type CloudTrailRecord } from '../record.ts';

/** eventSource -> the calls that switch that service's monitoring off. */
const DISABLING: Record<string, readonly string[]> = {
  'guardduty.amazonaws.com': ['DeleteDetector', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount', 'StopMonitoringMembers', 'DeleteMembers'],
  'config.amazonaws.com': ['StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'],
  'ec2.amazonaws.com': ['DeleteFlowLogs'],
};

export default defineRule<CloudTrailRecord>({
  id: 'security-monitoring-disabled',
  title: 'GuardDuty, AWS Config or VPC flow logs switched off',
  severity: 'high',
  source: 'cloudtrail',
  description: 'A detector, recorder or flow log was disabled or deleted: defence evasion, or a change that silently removes coverage.',
  eventNames: [...new Set([...Object.values(DISABLING).flat(), 'UpdateDetector'])],
  match: (r) => {
    if (!succeeded(r) || r.eventSource === undefined) return false;
    // UpdateDetector is routine unless it turns the detector off.
    if (r.eventName === 'UpdateDetector') return r.eventSource === 'guardduty.amazonaws.com' && field(r.requestParameters, 'enable') === false;
    return DISABLING[r.eventSource]?.includes(r.eventName) ?? false;
  },
  alertKey: (r) => `${accountOf(r)}:${r.eventSource}:${r.awsRegion ?? ''}`,
  summary: (r) => `${principalName(r)} called ${r.eventSource?.split('.')[0]} ${r.eventName} in ${r.awsRegion ?? 'an unknown region'}`,
});
