/**
 * Inspection steps run by the Express inspection workflow: plan the pending
 * (attribute, inspector) pairs, run one pair, record a pair that failed for good.
 */
import type { AttributeType } from '../alert.ts';
import { formatPath, InspectorTimeoutError, PluginContractError } from '../errors.ts';
import { attributeIdOf } from '../ids.ts';
import { InspectionResultSchema, type CheckedInspectionResult, type Inspector, type PluginLogger } from '../plugins.ts';
import type { Finding, InspectionFailure, ReportAttribute } from '../report.ts';
import type { InspectionTask } from '../store.ts';
import { describeCaughtError, type CaughtError } from './caught-error.ts';
import type { PipelineDeps } from './deps.ts';

/** Keeps one Map state's input far below Step Functions' 256 KB payload cap; the rest waits for the next plan. */
export const MAX_TASKS_PER_PLAN = 400;

export interface InspectionPlan {
  tasks: InspectionTask[];
  pending: boolean;
}

/** The next batch of inspections for the Map state. */
export const planInspection = async (
  reportId: string,
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config'>,
): Promise<InspectionPlan> => {
  const [attributes, inspected] = await Promise.all([deps.store.listAttributes(reportId), deps.store.listInspected(reportId)]);
  const planned = pendingInspections(attributes, inspected, deps.plugins.inspectors, deps.config.maxInspectionDepth).slice(0, MAX_TASKS_PER_PLAN);
  return { tasks: planned, pending: planned.length > 0 };
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

/**
 * Runs one inspector on one attribute. Discovered attributes are stored before the result,
 * so a crash in between re-runs the pair rather than losing what it found.
 */
export const inspectAttribute = async (
  task: InspectionTask & { reportId: string },
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config' | 'logger' | 'now'>,
): Promise<InspectOutcome> => {
  const inspector = findInspector(deps.plugins.inspectors, task.inspector);
  const attribute = await deps.store.getAttribute(task.reportId, task.attributeId);
  if (!attribute) throw new PluginContractError(`attribute ${task.attributeId} is not part of report ${task.reportId}`);
  // Loading lists and databases is not part of one attribute's time budget.
  await prepareInspectors([inspector], deps.logger);
  const result = await callInspector(inspector, attribute, {
    reportId: task.reportId,
    logger: deps.logger,
    timeoutMs: inspector.timeoutMs ?? deps.config.inspectorTimeoutMs,
  });
  const discovered: ReportAttribute[] = (result.newAttributes ?? []).map((a) => ({
    ...a,
    id: attributeIdOf(a),
    depth: attribute.depth + 1,
    origin: inspector.name,
  }));
  const added = discovered.length ? await deps.store.addAttributes(task.reportId, discovered) : 0;
  const inspectedAt = new Date(deps.now()).toISOString();
  const findings: Finding[] = result.findings.map((f) => ({
    inspector: inspector.name,
    attributeId: attribute.id,
    attribute: { type: attribute.type as AttributeType, key: attribute.key, value: attribute.value },
    verdict: f.verdict,
    title: f.title,
    ...(f.source !== undefined ? { source: f.source } : {}),
    ...(f.detail !== undefined ? { detail: f.detail } : {}),
    inspectedAt,
  }));
  await deps.store.putFindings(task.reportId, attribute.id, inspector.name, findings);
  return { findings: findings.length, newAttributes: added };
};

export const recordInspectionFailure = async (
  input: { reportId: string; attributeId: string; inspector: string; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'now' | 'metrics'>,
): Promise<void> => {
  const failure: InspectionFailure = {
    inspector: input.inspector,
    attributeId: input.attributeId,
    ...describeCaughtError(input.error),
    failedAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.putInspectionFailure(input.reportId, failure);
  deps.metrics.count('InspectionsFailed');
};
