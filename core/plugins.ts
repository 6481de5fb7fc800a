/**
 * Plugin contracts. Each is one function plus the metadata the pipeline needs to route
 * work to it. `defineInspector` / `defineReviewer` / `defineEmitter` check that metadata once,
 * at load time, so a typo fails the deploy and not the first alert.
 */
import * as z from 'zod';
import { ATTRIBUTE_TYPES, AttributeSchema, type Attribute, type AttributeInput, type AttributeType } from './alert.ts';
import { PluginContractError } from './errors.ts';
import type { SecretReader } from './secrets.ts';
import { VERDICTS, type Emission, type FindingVerdict, type Report, type ReportAttribute, type Verdict } from './report.ts';

/** Minimal structured logger; Powertools' Logger satisfies it. */
export interface PluginLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface InspectorContext {
  reportId: string;
  /** Aborted when the inspector's time budget runs out: pass it to fetch(). */
  signal: AbortSignal;
  logger: PluginLogger;
}

export interface FindingInput {
  verdict: FindingVerdict;
  title: string;
  source?: string;
  detail?: Record<string, unknown>;
}

export interface InspectionResult {
  findings: FindingInput[];
  /** Entities learned while inspecting (a domain's IPs, an instance's owner); inspected in turn, bounded by depth. */
  newAttributes?: AttributeInput[];
}

/**
 * What an inspector must return, checked on every call. Unknown keys are refused so a
 * misspelt `newAttribute` is a recorded contract error, not silently lost discoveries. Built on
 * its first use (z.lazy): only the inspect function checks results, and building zod schemas is
 * a measurable part of every function's cold start.
 */
export const InspectionResultSchema = z.lazy(() =>
  z
    .object({
      findings: z
        .array(
          z
            .object({
              verdict: z.enum(VERDICTS),
              title: z.string().min(1, 'title must not be empty').max(1024),
              source: z.string().max(1024).optional(),
              // Checked, not rebuilt: z.record copies key by key, and a `__proto__` key from parsed
              // JSON would become the copy's prototype instead of data.
              detail: z
                .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'detail must be a JSON object')
                .optional(),
            })
            .strict(),
        )
        .max(100),
      newAttributes: z.array(AttributeSchema).max(100).optional(),
    })
    .strict(),
);
export type CheckedInspectionResult = z.output<typeof InspectionResultSchema>;

export interface Inspector {
  /** Unique, [a-z0-9-]; used in state names, findings and config. */
  name: string;
  /** Only attributes of these types are sent to this inspector. */
  accepts: readonly AttributeType[];
  /** Budget for one attribute; past it the inspection is recorded as failed. Default 10 s. */
  timeoutMs?: number;
  /**
   * Loads what inspections need (lists, databases) once, outside any inspection's budget.
   * Called at start by the local runtime (a rejection stops the CLI, naming what could not be
   * loaded) and before the first inspection in Lambda (a rejection fails that call; the next
   * call tries again). Optional: an inspector without it is ready at once.
   */
  prepare?(ctx: PrepareContext): Promise<void>;
  inspect(attribute: ReportAttribute, ctx: InspectorContext): Promise<InspectionResult> | InspectionResult;
}

export interface PrepareContext {
  logger: PluginLogger;
}

export interface ReviewContext {
  phase: 'preliminary' | 'final';
  logger: PluginLogger;
}

export interface Reviewer {
  name: string;
  review(report: Report, ctx: ReviewContext): Promise<Verdict> | Verdict;
}

/**
 * What one emitter remembers about one report across its versions (a Slack thread, a GitHub
 * issue number), so the final update and later re-reviews reach the same place as the first
 * page. Stored beside the report (DynamoDB in AWS and locally) and expires with it.
 */
export interface EmitterState {
  /** This emitter's state for the report being emitted; undefined before its first `put`. */
  get(): Promise<Record<string, unknown> | undefined>;
  /** Replaces this emitter's state for the report (JSON values only). */
  put(value: Record<string, unknown>): Promise<void>;
}

/**
 * Delivery is at-least-once. The pipeline claims each (report version, emitter) before calling
 * `emit` and holds that claim as a lease longer than an emit attempt may run, so attempts do
 * not overlap; but when an attempt's outcome is lost (the emit step timed out, the Lambda
 * crashed, the bookkeeping write after a successful delivery failed) the emitter is called
 * again for the same version. Every such call carries the same `idempotencyKey`: an emitter
 * whose target can de-duplicate (PagerDuty `dedup_key`, an `Idempotency-Key` header, a marker
 * in a ticket or thread) should pass it on, so a retry updates instead of duplicating.
 */
export interface EmitContext {
  /** Same for every attempt at one (report id, version, emitter); see `emissionKeyOf` in core/ids.ts. */
  idempotencyKey: string;
  logger: PluginLogger;
  /** Credentials by parameter name (SSM in AWS); read at emit time, never logged or returned in `detail`. */
  secrets: SecretReader;
  /** Per-report, per-emitter state. */
  state: EmitterState;
  /** Where a person can read the full report version (S3 console page or your own viewer), when ALERTWARDEN_REPORT_LINK is set. */
  reportUrl?: string;
}

export interface EmitResult {
  status: Emission['status'];
  detail?: string;
}

export interface Emitter {
  name: string;
  /**
   * Whether the fast path's preliminary reports reach this emitter (default true). An emitter
   * that acts rather than notifies (quarantine) sets it false unless its own configuration
   * explicitly opts in, so nothing is isolated on a verdict made before aggregation.
   */
  receivesPreliminary?: boolean;
  emit(report: Report, ctx: EmitContext): Promise<EmitResult> | EmitResult;
  /**
   * Releases what the emitter keeps open between emits (the file emitter's descriptor). The
   * local runtime calls it at stop, once every execution has ended; Lambda never does (the
   * container's end releases it). An emit after it opens what it needs again. Optional.
   */
  close?(): Promise<void>;
}

const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,39}$/;

const checkName = (kind: string, name: unknown) => {
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    throw new PluginContractError(`${kind} name ${JSON.stringify(name)} must match ${PLUGIN_NAME}`);
  }
};

/**
 * @example
 * export default defineInspector({
 *   name: 'internal-ranges', accepts: ['ipaddr'],
 *   inspect: (a) => ({ findings: a.value.startsWith('10.') ? [{ verdict: 'info', title: 'internal address' }] : [] }),
 * });
 */
export const defineInspector = (inspector: Inspector): Inspector => {
  checkName('inspector', inspector.name);
  if (!Array.isArray(inspector.accepts) || inspector.accepts.length === 0) {
    throw new PluginContractError(`inspector ${inspector.name} must accept at least one attribute type`);
  }
  for (const type of inspector.accepts) {
    if (!(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
      throw new PluginContractError(`inspector ${inspector.name} accepts unknown attribute type ${JSON.stringify(type)}`);
    }
  }
  if (inspector.timeoutMs !== undefined && !(inspector.timeoutMs > 0)) {
    throw new PluginContractError(`inspector ${inspector.name} timeoutMs must be positive`);
  }
  return inspector;
};

export const defineReviewer = (reviewer: Reviewer): Reviewer => {
  checkName('reviewer', reviewer.name);
  return reviewer;
};

export const defineEmitter = (emitter: Emitter): Emitter => {
  checkName('emitter', emitter.name);
  return emitter;
};

/** The plugins one deployment runs with. */
export interface PluginSet {
  inspectors: readonly Inspector[];
  reviewer: Reviewer;
  emitters: readonly Emitter[];
}

export type { Attribute };
