/**
 * Inspection steps run by the Express inspection workflow: plan the pending
 * (attribute, inspector) pairs, run one pair, record a pair that failed for good.
 */
import { z } from 'zod';
import { AttributeSchema, type AttributeType } from '../alert.ts';
import { InspectorTimeoutError, PluginContractError } from '../errors.ts';
import { attributeIdOf } from '../ids.ts';
import type { Inspector, InspectionResult } from '../plugins.ts';
import { VERDICTS, type Finding, type InspectionFailure, type ReportAttribute } from '../report.ts';
import type { InspectionTask } from '../store.ts';
import type { PipelineDeps } from './deps.ts';
import { formatPath } from './intake.ts';

/** Keeps one Map state's input far below Step Functions' 256 KB payload cap; the rest waits for the next plan. */
export const MAX_TASKS_PER_PLAN = 400;

export interface InspectionPlan {
  tasks: InspectionTask[];
  pending: boolean;
}

/** Pairs of (attribute within depth, inspector accepting its type) that have no result yet. */
export const planInspection = async (
  reportId: string,
  deps: Pick<PipelineDeps, 'store' | 'plugins' | 'config'>,
): Promise<InspectionPlan> => {
  const [attributes, inspected] = await Promise.all([deps.store.listAttributes(reportId), deps.store.listInspected(reportId)]);
  const tasks: InspectionTask[] = [];
  for (const attribute of attributes) {
    if (attribute.depth > deps.config.maxInspectionDepth) continue;
    for (const inspector of deps.plugins.inspectors) {
      if (!inspector.accepts.includes(attribute.type)) continue;
      if (inspected.has(`${attribute.id}#${inspector.name}`)) continue;
      tasks.push({ attributeId: attribute.id, inspector: inspector.name });
    }
  }
  const planned = tasks.slice(0, MAX_TASKS_PER_PLAN);
  return { tasks: planned, pending: planned.length > 0 };
};

const InspectionResultSchema = z.object({
  findings: z.array(
    z.object({
      verdict: z.enum(VERDICTS),
      title: z.string().min(1).max(1024),
      source: z.string().max(1024).optional(),
      detail: z.record(z.string(), z.unknown()).optional(),
    }),
  ).max(100),
  newAttributes: z.array(AttributeSchema).max(100).optional(),
});

const withTimeout = async <T>(inspector: Inspector, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new InspectorTimeoutError(inspector.name, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
  const timeoutMs = inspector.timeoutMs ?? deps.config.inspectorTimeoutMs;
  const raw: unknown = await withTimeout(inspector, timeoutMs, async (signal) =>
    inspector.inspect(attribute, { reportId: task.reportId, signal, logger: deps.logger }),
  );
  const parsed = InspectionResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PluginContractError(
      `inspector ${inspector.name} returned an invalid result${issue ? ` at ${formatPath(issue.path) || 'top level'}: ${issue.message}` : ''}`,
    );
  }
  const result: InspectionResult = parsed.data;
  const discovered: ReportAttribute[] = (parsed.data.newAttributes ?? []).map((a) => ({
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

/** The `error` object a Catch puts in the state: `Cause` may be Lambda's JSON error document. */
export interface CaughtError {
  Error?: string;
  Cause?: string;
}

export const describeCaughtError = (caught: CaughtError | undefined): { error: string; message: string } => {
  const error = caught?.Error ?? 'Error';
  let message = caught?.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // Not JSON: a States.* error carries plain text.
  }
  return { error: error.slice(0, 256), message: message.slice(0, 2048) };
};

export const recordInspectionFailure = async (
  input: { reportId: string; attributeId: string; inspector: string; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'now'>,
): Promise<void> => {
  const failure: InspectionFailure = {
    inspector: input.inspector,
    attributeId: input.attributeId,
    ...describeCaughtError(input.error),
    failedAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.putInspectionFailure(input.reportId, failure);
};
