/** Shared by the deploy tests: walking CloudFormation/ASL JSON and the one documented IAM exception. */

// Templates are untyped JSON; the tests assert on shape as they walk it.
export type Json = any;

/** Every value stored under `key`, at any depth. */
export const collect = (v: Json, key: string, out: Json[] = []): Json[] => {
  if (Array.isArray(v)) v.forEach((x) => collect(x, key, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === key) out.push(x);
      collect(x, key, out);
    }
  }
  return out;
};

/**
 * CloudWatch Logs vended-log delivery (Express state machine logging) has no resource-level
 * permissions: AWS documents Resource "*" for exactly these actions.
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;
