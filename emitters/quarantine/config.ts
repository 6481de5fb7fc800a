/**
 * Quarantine settings, read from ALERTWARDEN_QUARANTINE_* variables. Everything that makes
 * the emitter act more is opt-in: the mode defaults to dry-run, stopping is off, and
 * terminating needs stopping AND its own second setting.
 */
import * as z from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { SEVERITIES, type Severity } from '../../core/report.ts';
import { ONE_SHOT } from '../../core/zod-parse.ts';

export const QUARANTINE_MODES = ['off', 'dry-run', 'enforce'] as const;
export type QuarantineMode = (typeof QUARANTINE_MODES)[number];
export const PROTECTED_TAG = 'alertwarden:protected';

export interface QuarantineSettings {
  /** `dry-run`: read-only calls, and the report lists every call that enforce would make. */
  mode: QuarantineMode;
  /**
   * No AWS call at all, not even the read-only ones: the plan is built from the report alone.
   * For local runs, where no EC2 or IAM endpoint exists; never in Lambda.
   */
  offline: boolean;
  /** Acts only on a final review at or above this severity. */
  minSeverity: Severity;
  /** When set, only instances owned by these accounts are touched. */
  accounts: string[];
  /** When set, an instance must carry every one of these tags (key=value) to be touched. */
  requiredTags: Record<string, string>;
  /**
   * A resource carrying this tag, whatever its value, is never touched. Fixed, because the
   * deployed IAM policy denies the same tag key (serverless.yml QuarantinePolicy).
   */
  protectedTag: typeof PROTECTED_TAG;
  /** Name of the isolation security group created per VPC (no ingress, no egress). */
  isolationGroupName: string;
  snapshotVolumes: boolean;
  detachInstanceProfile: boolean;
  stopInstance: boolean;
  /** Only with stopInstance: the explicit second setting that allows termination. */
  terminateInstance: boolean;
  deactivateAccessKey: boolean;
  denyAllUserPolicy: boolean;
  /** Resources acted on per clock hour, across reports; past it the emitter refuses and says so. */
  maxActionsPerHour: number;
}

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true'));

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

const Schema = z.object({
  ALERTWARDEN_QUARANTINE_MODE: z
    .enum([...QUARANTINE_MODES, ''], { error: `must be one of ${QUARANTINE_MODES.join(', ')}` })
    .optional()
    .transform((v) => (v ? v : 'off')),
  ALERTWARDEN_QUARANTINE_OFFLINE: flag(false),
  ALERTWARDEN_QUARANTINE_MIN_SEVERITY: z
    .enum([...SEVERITIES, ''], { error: `must be one of ${SEVERITIES.join(', ')}` })
    .optional()
    .transform((v) => (v ? v : 'critical')),
  ALERTWARDEN_QUARANTINE_ACCOUNTS: list.refine((ids) => ids.every((id) => /^\d{12}$/.test(id)), 'must be 12-digit account ids'),
  ALERTWARDEN_QUARANTINE_REQUIRED_TAGS: list.refine((pairs) => pairs.every((p) => /^[^=]+=.*$/.test(p)), 'must be key=value pairs'),
  ALERTWARDEN_QUARANTINE_ISOLATION_GROUP: z
    .string()
    .optional()
    .transform((v) => v?.trim() || 'alertwarden-isolation')
    .refine((v) => /^[\w .:/()#,@[\]+=&;{}!$*-]{1,255}$/.test(v) && !/^sg-/i.test(v), 'is not a valid security group name'),
  ALERTWARDEN_QUARANTINE_SNAPSHOT: flag(true),
  ALERTWARDEN_QUARANTINE_DETACH_PROFILE: flag(false),
  ALERTWARDEN_QUARANTINE_STOP: flag(false),
  ALERTWARDEN_QUARANTINE_TERMINATE: flag(false),
  ALERTWARDEN_QUARANTINE_DEACTIVATE_KEY: flag(true),
  ALERTWARDEN_QUARANTINE_DENY_ALL_POLICY: flag(false),
  ALERTWARDEN_QUARANTINE_MAX_ACTIONS_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(10),
});

export const quarantineSettingsFrom = (env: Record<string, string | undefined>): QuarantineSettings => {
  const parsed = Schema.safeParse(env, ONE_SHOT);
  if (!parsed.success) {
    throw new ConfigError(`invalid quarantine configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  if (c.ALERTWARDEN_QUARANTINE_TERMINATE && !c.ALERTWARDEN_QUARANTINE_STOP) {
    // Termination destroys the evidence the snapshots were for; it must be asked for twice.
    throw new ConfigError('ALERTWARDEN_QUARANTINE_TERMINATE needs ALERTWARDEN_QUARANTINE_STOP=true as well');
  }
  return {
    mode: c.ALERTWARDEN_QUARANTINE_MODE,
    offline: c.ALERTWARDEN_QUARANTINE_OFFLINE,
    minSeverity: c.ALERTWARDEN_QUARANTINE_MIN_SEVERITY,
    accounts: c.ALERTWARDEN_QUARANTINE_ACCOUNTS,
    requiredTags: Object.fromEntries(
      c.ALERTWARDEN_QUARANTINE_REQUIRED_TAGS.map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]),
    ),
    protectedTag: PROTECTED_TAG,
    isolationGroupName: c.ALERTWARDEN_QUARANTINE_ISOLATION_GROUP,
    snapshotVolumes: c.ALERTWARDEN_QUARANTINE_SNAPSHOT,
    detachInstanceProfile: c.ALERTWARDEN_QUARANTINE_DETACH_PROFILE,
    stopInstance: c.ALERTWARDEN_QUARANTINE_STOP,
    terminateInstance: c.ALERTWARDEN_QUARANTINE_TERMINATE,
    deactivateAccessKey: c.ALERTWARDEN_QUARANTINE_DEACTIVATE_KEY,
    denyAllUserPolicy: c.ALERTWARDEN_QUARANTINE_DENY_ALL_POLICY,
    maxActionsPerHour: c.ALERTWARDEN_QUARANTINE_MAX_ACTIONS_PER_HOUR,
  };
};
