/**
 * Inspection steps run by the Express inspection workflow: plan the pending
 * (attribute, inspector) pairs in batches per inspector, run one batch, record the pairs of a
 * batch that failed for good.
 */
import type { AttributeType } from '../alert.ts';
import { AlertWardenError, formatPath, InspectorTimeoutError, PluginContractError } from '../errors.ts';
import { attributeIdOf } from '../ids.ts';
import { InspectionResultSchema, type CheckedInspectionResult, type Inspector, type PluginLogger } from '../plugins.ts';
import type { InspectionFailure, ReportAttribute } from '../report.ts';
import type { InspectionBatch, InspectionResult, InspectionTask } from '../store.ts';
import { describeCaughtError, type CaughtError } from './caught-error.ts';
import type { PipelineDeps } from './deps.ts';
import { warmParse } from '../zod-parse.ts';

/** Keeps one Map state's input far below Step Functions' 256 KB payload cap; the rest waits for the next plan. */
export const MAX_TASKS_PER_PLAN = 400;
/**
 * (attribute, inspector) pairs one inspect invocation takes, inspected at once, each with its
 * own time budget (so a batch takes as long as its slowest pair, as one pair did), and written
 * with one BatchWriteItem (25 puts). One invocation per pair cost a Lambda call, two DynamoDB
 * calls and two Express states each.
 */
export const INSPECTION_BATCH_SIZE = 25;

/**
 * Attributes a plan carries to its batches, in JSON bytes: one attribute at most
 * INLINE_ATTRIBUTE_BYTES, all of a plan at most INLINE_PLAN_BYTES, so the Map's input stays
 * far below Step Functions' 256 KB with MAX_TASKS_PER_PLAN pairs. Carrying them saves each
 * inspect call a BatchGetItem of what the planner's Query had just read.
 */
export const INLINE_ATTRIBUTE_BYTES = 1024;
export const INLINE_PLAN_BYTES = 16 * 1024;

export interface InspectionPlan {
  /** Batches of pairs, one Map item each. */
  tasks: InspectionBatch[];
  pending: boolean;
}

/** The next batches of inspections for the Map state. */
export const planInspection = async (
  reportId: string,
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config'>,
): Promise<InspectionPlan> => {
  const { attributes, inspected } = await deps.store.listInspectionState(reportId);
  const pending = pendingInspections(attributes, inspected, deps.plugins.inspectors, deps.config.maxInspectionDepth);
  const tasks = batchInspections(pending.slice(0, MAX_TASKS_PER_PLAN), INSPECTION_BATCH_SIZE);
  const byId = new Map(attributes.map((a) => [a.id, a]));
  let budget = INLINE_PLAN_BYTES;
  for (const batch of tasks) {
    batch.attributes = [];
    for (const id of new Set(batch.tasks.map((t) => t.attributeId))) {
      const attribute = byId.get(id)!;
      const bytes = Buffer.byteLength(JSON.stringify(attribute));
      if (bytes > INLINE_ATTRIBUTE_BYTES || bytes > budget) continue;
      budget -= bytes;
      batch.attributes.push(attribute);
    }
  }
  if (pending.length > MAX_TASKS_PER_PLAN) tasks.at(-1)!.more = true;
  return { tasks, pending: tasks.length > 0 };
};

/** Pairs in order, at most `size` a batch: an attribute's inspectors stay together, so a batch reads few attributes. */
export const batchInspections = (tasks: readonly InspectionTask[], size: number): InspectionBatch[] => {
  const batches: InspectionBatch[] = [];
  for (let i = 0; i < tasks.length; i += size) batches.push({ tasks: tasks.slice(i, i + size) });
  return batches;
};

/** Pairs of (attribute within depth, inspector accepting its type) without a result in `inspected`. */
export const pendingInspections = (
  attributes: readonly ReportAttribute[],
  inspected: ReadonlySet<string>,
  inspectors: readonly Inspector[],
  maxDepth: number,
): InspectionTask[] => {
  const tasks: InspectionTask[] = [];
  for (const attribute of attributes) {
    if (attribute.depth > maxDepth) continue;
    for (const inspector of inspectors) {
      if (!inspector.accepts.includes(attribute.type)) continue;
      if (inspected.has(`${attribute.id}#${inspector.name}`)) continue;
      tasks.push({ attributeId: attribute.id, inspector: inspector.name });
    }
  }
  return tasks;
};

/**
 * One inspector call as the pipeline makes it: a real AbortSignal that fires at the budget,
 * and the result checked against the contract. Plugin authors' `runInspector` uses it too,
 * so a unit test fails where production would.
 */
export const callInspector = async (
  inspector: Inspector,
  attribute: ReportAttribute,
  options: { reportId: string; logger: PluginLogger; timeoutMs: number },
): Promise<CheckedInspectionResult> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new InspectorTimeoutError(inspector.name, options.timeoutMs);
      controller.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  try {
    const ctx = { reportId: options.reportId, signal: controller.signal, logger: options.logger };
    const raw: unknown = await Promise.race([Promise.resolve().then(() => inspector.inspect(attribute, ctx)), timeout]);
    const parsed = warmParse(InspectionResultSchema, raw);
    if (!parsed.success) {
      throw new PluginContractError(
        `inspector ${inspector.name} returned an invalid result: ${parsed.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  } finally {
    clearTimeout(timer);
  }
};

const prepared = new WeakMap<Inspector, Promise<void>>();

/**
 * Runs each inspector's `prepare` once per process; a failure is not remembered, so the next
 * call retries (a transient S3 error must not poison a Lambda container for its lifetime).
 */
export const prepareInspectors = async (inspectors: readonly Inspector[], logger: PluginLogger): Promise<void> => {
  await Promise.all(
    inspectors.map((inspector) => {
      if (!inspector.prepare) return undefined;
      let once = prepared.get(inspector);
      if (!once) {
        once = inspector.prepare({ logger }).catch((error: unknown) => {
          prepared.delete(inspector);
          logger.error(`inspector ${inspector.name} could not prepare`, { error: String(error) });
          throw error;
        });
        prepared.set(inspector, once);
      }
      return once;
    }),
  );
};

export interface InspectOutcome {
  findings: number;
  newAttributes: number;
  /**
   * What the round step does once every batch is done: plan again when this batch discovered
   * attributes (they may need inspecting) or its plan was cut short, else go on to the review. A re-plan that finds
   * nothing costs a Lambda call and a Query per round step, so it runs only when it can find
   * something. A string, not a boolean: the round step folds its batches' answers with
   * States.ArrayContains, whose string literals are the documented form.
   */
  next: 'plan' | 'review';
}

/** Failures the round step does not retry (its RunInspector Retry lists them with MaxAttempts 0): recorded at once. */
const isFinal = (error: unknown) => error instanceof InspectorTimeoutError || error instanceof PluginContractError;

/**
 * Thrown after a batch when some pair failed in a way worth retrying: the round step's Retry
 * runs the batch again (pairs that succeeded are inspected again, their results rewritten),
 * and once retries are spent its Catch records a failure for every pair still without findings.
 * Named after the first such failure, so the state machine sees the error it would have seen.
 */
export class InspectionBatchError extends AlertWardenError {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/**
 * Runs a batch of (attribute, inspector) pairs of a report, all at once. Discovered attributes
 * are stored before the results, so a crash in between re-runs the pairs rather than losing
 * what they found. A pair that failed for good (timeout, broken contract) is recorded as an
 * inspection failure here, with its own error, as the round step's Catch would have done for
 * it alone; any other failure is thrown after the rest is written, to be retried.
 */
export const inspectAttributes = async (
  batch: InspectionBatch & { reportId: string },
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config' | 'logger' | 'now' | 'metrics'>,
): Promise<InspectOutcome> => {
  const { reportId, tasks } = batch;
  const attributes = new Map((batch.attributes ?? []).map((a) => [a.id, a]));
  const unread = [...new Set(tasks.map((t) => t.attributeId))].filter((id) => !attributes.has(id));
  if (unread.length > 0) for (const a of await deps.store.getAttributes(reportId, unread)) attributes.set(a.id, a);
  const failed: { task: InspectionTask; error: unknown }[] = [];
  const runnable: { task: InspectionTask; inspector: Inspector; attribute: ReportAttribute }[] = [];
  for (const task of tasks) {
    const attribute = attributes.get(task.attributeId);
    const inspector = deps.plugins.inspectors.find((i) => i.name === task.inspector);
    if (!inspector) failed.push({ task, error: new PluginContractError(`inspector ${JSON.stringify(task.inspector)} is not enabled in this deployment`) });
    else if (!attribute) failed.push({ task, error: new PluginContractError(`attribute ${task.attributeId} is not part of report ${reportId}`) });
    else runnable.push({ task, inspector, attribute });
  }
  // Loading lists and databases is not part of one attribute's time budget.
  await prepareInspectors([...new Set(runnable.map((r) => r.inspector))], deps.logger);
  const settled = await Promise.allSettled(
    runnable.map(({ inspector, attribute }) =>
      callInspector(inspector, attribute, { reportId, logger: deps.logger, timeoutMs: inspector.timeoutMs ?? deps.config.inspectorTimeoutMs }),
    ),
  );
  const inspectedAt = new Date(deps.now()).toISOString();
  const results: InspectionResult[] = [];
  const discovered: ReportAttribute[] = [];
  settled.forEach((outcome, i) => {
    const { task, inspector, attribute } = runnable[i]!;
    if (outcome.status === 'rejected') return void failed.push({ task, error: outcome.reason });
    for (const a of outcome.value.newAttributes ?? []) discovered.push({ ...a, id: attributeIdOf(a), depth: attribute.depth + 1, origin: inspector.name });
    results.push({
      attributeId: attribute.id,
      inspector: inspector.name,
      findings: outcome.value.findings.map((f) => ({
        inspector: inspector.name,
        attributeId: attribute.id,
        attribute: { type: attribute.type as AttributeType, key: attribute.key, value: attribute.value },
        verdict: f.verdict,
        title: f.title,
        ...(f.source !== undefined ? { source: f.source } : {}),
        ...(f.detail !== undefined ? { detail: f.detail } : {}),
        inspectedAt,
      })),
    });
  });
  const added = discovered.length ? await deps.store.addAttributes(reportId, discovered) : 0;
  if (results.length > 0) await deps.store.putFindings(reportId, results);
  for (const { task, error } of failed.filter((f) => isFinal(f.error))) {
    const { name, message } = error as Error;
    await recordInspectionFailure({ reportId, tasks: [task], error: { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) } }, deps);
  }
  const retry = failed.filter((f) => !isFinal(f.error));
  if (retry.length > 0) {
    const first = retry[0]!.error as Error;
    throw new InspectionBatchError(
      first?.name ?? 'Error',
      `${retry.length} of ${tasks.length} inspections failed: ` +
        retry.map(({ task, error }) => `${task.inspector} on ${task.attributeId}: ${(error as Error)?.message ?? String(error)}`).join('; '),
      { cause: first },
    );
  }
  return {
    findings: results.reduce((n, r) => n + r.findings.length, 0),
    newAttributes: added,
    next: (batch.more ?? false) || (added > 0 && discovered.some((a) => a.depth <= deps.config.maxInspectionDepth)) ? 'plan' : 'review',
  };
};

/** One failure record per pair of the batch; a pair that already has a result (findings or its own failure) keeps it. */
export const recordInspectionFailure = async (
  input: { reportId: string; tasks: InspectionTask[]; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'now' | 'metrics'>,
): Promise<void> => {
  const failedAt = new Date(deps.now()).toISOString();
  for (const { attributeId, inspector } of input.tasks) {
    const failure: InspectionFailure = { inspector, attributeId, ...describeCaughtError(input.error), failedAt };
    // Counted once per pair: a retried batch or its Catch finds the pair's failure already there.
    if (await deps.store.putInspectionFailure(input.reportId, failure)) deps.metrics.count('InspectionsFailed');
  }
};
