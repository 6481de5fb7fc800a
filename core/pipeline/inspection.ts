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

/** Keeps one Map state's input far below Step Functions' 256 KB payload cap; the rest waits for the next plan. */
export const MAX_TASKS_PER_PLAN = 400;
/**
 * Attributes one inspect invocation takes for one inspector, inspected at once, each with its
 * own time budget (so a batch takes as long as its slowest pair, as one pair did). One
 * invocation per pair cost a Lambda call, two DynamoDB calls and two Express states each;
 * batches read and write them together.
 */
export const INSPECTION_BATCH_SIZE = 10;

export interface InspectionPlan {
  tasks: InspectionBatch[];
  pending: boolean;
}

/** The next batches of inspections for the Map state: pending pairs grouped by inspector. */
export const planInspection = async (
  reportId: string,
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config'>,
): Promise<InspectionPlan> => {
  const { attributes, inspected } = await deps.store.listInspectionState(reportId);
  const planned = pendingInspections(attributes, inspected, deps.plugins.inspectors, deps.config.maxInspectionDepth).slice(0, MAX_TASKS_PER_PLAN);
  const tasks = batchInspections(planned, INSPECTION_BATCH_SIZE);
  return { tasks, pending: tasks.length > 0 };
};

/** Pairs grouped by inspector (in the order inspectors first appear), at most `size` attributes a batch. */
export const batchInspections = (tasks: readonly InspectionTask[], size: number): InspectionBatch[] => {
  const byInspector = new Map<string, string[]>();
  for (const { inspector, attributeId } of tasks) byInspector.set(inspector, [...(byInspector.get(inspector) ?? []), attributeId]);
  const batches: InspectionBatch[] = [];
  for (const [inspector, ids] of byInspector) {
    for (let i = 0; i < ids.length; i += size) batches.push({ inspector, attributeIds: ids.slice(i, i + size) });
  }
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
    const parsed = InspectionResultSchema.safeParse(raw);
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

const findInspector = (inspectors: readonly Inspector[], name: string): Inspector => {
  const inspector = inspectors.find((i) => i.name === name);
  if (!inspector) throw new PluginContractError(`inspector ${JSON.stringify(name)} is not enabled in this deployment`);
  return inspector;
};

export interface InspectOutcome {
  findings: number;
  newAttributes: number;
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
 * Runs one inspector on a batch of a report's attributes, all at once. Discovered attributes
 * are stored before the results, so a crash in between re-runs the pairs rather than losing
 * what they found. A pair that failed for good (timeout, broken contract) is recorded as an
 * inspection failure here, with its own error, as the round step's Catch would have done
 * for it alone; any other failure is thrown after the rest is written, to be retried.
 */
export const inspectAttributes = async (
  batch: InspectionBatch & { reportId: string },
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config' | 'logger' | 'now' | 'metrics'>,
): Promise<InspectOutcome> => {
  const { reportId } = batch;
  const inspector = findInspector(deps.plugins.inspectors, batch.inspector);
  const attributes = await deps.store.getAttributes(reportId, batch.attributeIds);
  const known = new Set(attributes.map((a) => a.id));
  const failed: { attributeId: string; error: unknown }[] = batch.attributeIds
    .filter((id) => !known.has(id))
    .map((attributeId) => ({ attributeId, error: new PluginContractError(`attribute ${attributeId} is not part of report ${reportId}`) }));
  // Loading lists and databases is not part of one attribute's time budget.
  await prepareInspectors([inspector], deps.logger);
  const timeoutMs = inspector.timeoutMs ?? deps.config.inspectorTimeoutMs;
  const settled = await Promise.allSettled(attributes.map((attribute) => callInspector(inspector, attribute, { reportId, logger: deps.logger, timeoutMs })));
  const inspectedAt = new Date(deps.now()).toISOString();
  const results: InspectionResult[] = [];
  const discovered: ReportAttribute[] = [];
  settled.forEach((outcome, i) => {
    const attribute = attributes[i]!;
    if (outcome.status === 'rejected') return void failed.push({ attributeId: attribute.id, error: outcome.reason });
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
  for (const { attributeId, error } of failed.filter((f) => isFinal(f.error))) {
    const { name, message } = error as Error;
    await recordInspectionFailure({ reportId, inspector: inspector.name, attributeIds: [attributeId], error: { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) } }, deps);
  }
  const retry = failed.filter((f) => !isFinal(f.error));
  if (retry.length > 0) {
    const first = retry[0]!.error as Error;
    throw new InspectionBatchError(
      first?.name ?? 'Error',
      `inspector ${inspector.name} failed on ${retry.length} of ${batch.attributeIds.length} attributes: ` +
        retry.map(({ attributeId, error }) => `${attributeId}: ${(error as Error)?.message ?? String(error)}`).join('; '),
      { cause: first },
    );
  }
  return { findings: results.reduce((n, r) => n + r.findings.length, 0), newAttributes: added };
};

/** One failure record per pair of the batch; a pair that has findings keeps them (the store's condition). */
export const recordInspectionFailure = async (
  input: { reportId: string; attributeIds: string[]; inspector: string; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'now' | 'metrics'>,
): Promise<void> => {
  const failedAt = new Date(deps.now()).toISOString();
  for (const attributeId of input.attributeIds) {
    const failure: InspectionFailure = { inspector: input.inspector, attributeId, ...describeCaughtError(input.error), failedAt };
    await deps.store.putInspectionFailure(input.reportId, failure);
    deps.metrics.count('InspectionsFailed');
  }
};
