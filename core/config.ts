/**
 * Deployment configuration, read from environment variables (Lambda env in AWS, set by the
 * local runtime on a developer's machine). Parsed once per container with errors naming the variable.
 */
import * as z from 'zod';
import { ConfigError } from './errors.ts';
import { SEVERITIES } from './report.ts';
import { ONE_SHOT } from '../core/zod-parse.ts';

export type Env = Record<string, string | undefined>;

const csv = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

const seconds = (fallback: number) => z.coerce.number().int().min(0).max(31_536_000).default(fallback);

/** The default of ALERTWARDEN_INLINE_REPORT_MAX_BYTES. */
export const INLINE_REPORT_MAX_BYTES = 32 * 1024;

const ConfigSchema = z.object({
  ALERTWARDEN_TABLE: z.string().min(1, 'the DynamoDB table name is required'),
  ALERTWARDEN_BUCKET: z.string().min(1, 'the S3 archive bucket name is required'),
  ALERTWARDEN_STATE_MACHINE_ARN: z.string().optional(),
  /** Alerts with the same id join one report for this long after the first (deepalert: 3 h). */
  ALERTWARDEN_AGGREGATION_WINDOW_SECONDS: seconds(10_800),
  /** How long a report collects alerts before its final review. */
  ALERTWARDEN_AGGREGATION_DELAY_SECONDS: seconds(300),
  ALERTWARDEN_MAX_INSPECTION_DEPTH: z.coerce.number().int().min(0).max(5).default(2),
  /** A preliminary verdict at or above this severity is emitted before the aggregation wait. */
  ALERTWARDEN_PAGING_THRESHOLD: z.enum(SEVERITIES).default('high'),
  ALERTWARDEN_INSPECTORS: csv,
  ALERTWARDEN_EMITTERS: csv,
  ALERTWARDEN_RECORD_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * How long a round may run beyond the aggregation delay before the sweeper takes it for
   * dead and starts the next one: two round steps (330 s each at most) and failure recording.
   */
  ALERTWARDEN_ROUND_DEADLINE_SECONDS: seconds(900),
  /** First back-off before a failed round is re-driven; doubled for each re-drive since the last good round. */
  ALERTWARDEN_ROUND_RETRY_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  /** Re-drives of a report's rounds before it is given up on: recorded, listed and alarmed with the alerts it holds. */
  ALERTWARDEN_ROUND_MAX_REDRIVES: z.coerce.number().int().min(0).max(20).default(3),
  /** Default budget for one inspector call, below the Task's TimeoutSeconds in the ASL. */
  ALERTWARDEN_INSPECTOR_TIMEOUT_MS: z.coerce.number().int().min(1).max(55_000).default(10_000),
  /** Links in notifications: empty (none), `console` (the S3 console page of the version) or an https URL template with {reportId} and {version}. */
  ALERTWARDEN_REPORT_LINK: z
    .string()
    .default('')
    .refine((v) => v === '' || v === 'console' || (/^https:\/\/[^\s]+$/.test(v) && v.includes('{reportId}')), 'must be empty, "console" or an https URL template holding {reportId}'),
  /**
   * How long one emit attempt holds its (version, emitter): longer than the emit Lambda's
   * timeout and the ASL emit Task's TimeoutSeconds (test/deploy checks both), so no second
   * attempt starts while a first may still be delivering.
   */
  ALERTWARDEN_EMISSION_LEASE_SECONDS: z.coerce.number().int().min(1).max(900).default(60),
  /**
   * A reviewed version whose JSON is at most this size rides in the round's data to the
   * emitters, which then do not read it back from the archive; a larger one is read back. At
   * most 64 KiB: a Step Functions state's data is limited to 256 KB on AWS. 0: always read back
   * (the local memory store's default: its archive reads back for free).
   */
  ALERTWARDEN_INLINE_REPORT_MAX_BYTES: z.coerce.number().int().min(0).max(64 * 1024).default(INLINE_REPORT_MAX_BYTES),
});

export interface PipelineConfig {
  tableName: string;
  bucketName: string;
  stateMachineArn?: string;
  aggregationWindowSeconds: number;
  aggregationDelaySeconds: number;
  maxInspectionDepth: number;
  pagingThreshold: (typeof SEVERITIES)[number];
  /** Enabled inspector names; empty means every registered inspector. */
  inspectors: string[];
  /** Enabled emitter names; empty means every registered emitter. */
  emitters: string[];
  recordTtlDays: number;
  inspectorTimeoutMs: number;
  reportLink: string;
  roundDeadlineSeconds: number;
  roundRetrySeconds: number;
  maxRoundRedrives: number;
  emissionLeaseSeconds: number;
  /** See ALERTWARDEN_INLINE_REPORT_MAX_BYTES. */
  inlineReportMaxBytes: number;
}

export const loadConfig = (env: Env): PipelineConfig => {
  // Parsed once per container: no compiled fast path (core/zod-parse.ts).
  const parsed = ConfigSchema.safeParse(env, ONE_SHOT);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const c = parsed.data;
  return {
    tableName: c.ALERTWARDEN_TABLE,
    bucketName: c.ALERTWARDEN_BUCKET,
    ...(c.ALERTWARDEN_STATE_MACHINE_ARN ? { stateMachineArn: c.ALERTWARDEN_STATE_MACHINE_ARN } : {}),
    aggregationWindowSeconds: c.ALERTWARDEN_AGGREGATION_WINDOW_SECONDS,
    aggregationDelaySeconds: c.ALERTWARDEN_AGGREGATION_DELAY_SECONDS,
    maxInspectionDepth: c.ALERTWARDEN_MAX_INSPECTION_DEPTH,
    pagingThreshold: c.ALERTWARDEN_PAGING_THRESHOLD,
    inspectors: c.ALERTWARDEN_INSPECTORS,
    emitters: c.ALERTWARDEN_EMITTERS,
    recordTtlDays: c.ALERTWARDEN_RECORD_TTL_DAYS,
    inspectorTimeoutMs: c.ALERTWARDEN_INSPECTOR_TIMEOUT_MS,
    reportLink: c.ALERTWARDEN_REPORT_LINK,
    roundDeadlineSeconds: c.ALERTWARDEN_ROUND_DEADLINE_SECONDS,
    roundRetrySeconds: c.ALERTWARDEN_ROUND_RETRY_SECONDS,
    maxRoundRedrives: c.ALERTWARDEN_ROUND_MAX_REDRIVES,
    emissionLeaseSeconds: c.ALERTWARDEN_EMISSION_LEASE_SECONDS,
    inlineReportMaxBytes: c.ALERTWARDEN_INLINE_REPORT_MAX_BYTES,
  };
};

/** Keep only the plugins the configuration enables, failing loudly on a name that does not exist. */
export const selectEnabled = <P extends { name: string }>(kind: string, available: readonly P[], enabled: string[]): P[] => {
  if (enabled.length === 0) return [...available];
  const byName = new Map(available.map((p) => [p.name, p]));
  return enabled.map((name) => {
    const plugin = byName.get(name);
    if (!plugin) {
      throw new ConfigError(`unknown ${kind} ${JSON.stringify(name)}; available: ${[...byName.keys()].join(', ') || 'none'}`);
    }
    return plugin;
  });
};
