/**
 * Review: take a snapshot of the report, ask the organisation's Reviewer for a verdict,
 * archive that version in S3 and tell the state machine whether to emit now.
 */
import * as z from 'zod';
import { isAtLeast, SEVERITIES, SEVERITY_RANK, type Report, type ReportPhase, type Severity, type Verdict } from '../report.ts';
import { ConfigError } from '../errors.ts';
import type { ReportSnapshot } from '../store.ts';
import type { PipelineDeps } from './deps.ts';
import { pendingInspections } from './inspection.ts';
import { warmParse } from '../zod-parse.ts';

export const compileReport = (snapshot: ReportSnapshot, phase: ReportPhase): Report => {
  const { state } = snapshot;
  return {
    id: state.reportId,
    alertId: state.alertId,
    detector: state.detector,
    rule_id: state.rule_id,
    ...(state.rule_name !== undefined ? { rule_name: state.rule_name } : {}),
    ...(state.alert_key !== undefined ? { alert_key: state.alert_key } : {}),
    version: state.version,
    phase,
    createdAt: state.createdAt,
    windowEndsAt: state.windowEndsAt,
    alerts: snapshot.alerts,
    attributes: snapshot.attributes,
    findings: snapshot.findings,
    inspectionFailures: snapshot.inspectionFailures,
    ...(state.lastEmitted ? { previous: state.lastEmitted } : {}),
  };
};

const VerdictSchema = z.object({ severity: z.enum(SEVERITIES), reason: z.string().min(1).max(4096) });

/**
 * A reviewer that throws or answers nonsense must not cost the report: it is still emitted,
 * `unclassified`, with the failure as its reason, so a human looks at it.
 */
const safeReview = async (report: Report, phase: ReportPhase, deps: Pick<PipelineDeps, 'plugins' | 'logger'>): Promise<Verdict> => {
  try {
    const verdict = await deps.plugins.reviewer.review(report, { phase, logger: deps.logger });
    const parsed = warmParse(VerdictSchema, verdict);
    if (parsed.success) return parsed.data;
    return { severity: 'unclassified', reason: `reviewer ${deps.plugins.reviewer.name} returned an invalid verdict: ${parsed.error.issues[0]?.message}` };
  } catch (error) {
    // A reviewer that cannot even load (unreadable policy) is a deployment fault: fail the step so it is retried and alarmed.
    if (error instanceof ConfigError) throw error;
    deps.logger.error('reviewer failed', { reportId: report.id, error: (error as Error).message });
    return { severity: 'unclassified', reason: `reviewer ${deps.plugins.reviewer.name} failed: ${(error as Error).message}` };
  }
};

/**
 * The fast path pages when a preliminary verdict reaches the threshold, unless the people
 * paged already heard at least this much: a round started by more alerts on a report that
 * was already urgent waits for its final update instead of paging twice.
 */
export const pagesNow = (severity: Severity, lastEmitted: Severity | undefined, threshold: Severity): boolean =>
  isAtLeast(severity, threshold) && (lastEmitted === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[lastEmitted]);

export interface ReviewOutcome {
  version: number;
  /**
   * The archived version itself when the emitters run now and its JSON is at most
   * config.inlineReportMaxBytes (ALERTWARDEN_INLINE_REPORT_MAX_BYTES), else null (the emitters read it from the archive). Once they have run, the
   * round replaces it with their outcomes (EmitReport's ResultPath), so the states after carry no report.
   */
  report: Report | null;
  severity: Verdict['severity'];
  /** Run the emitters now: always after a final review; after a preliminary one only at or above the paging threshold. */
  emitNow: boolean;
  emitters: string[];
  delaySeconds: number;
}

export const reviewReport = async (
  input: { reportId: string; phase: ReportPhase },
  deps: Pick<PipelineDeps, 'store' | 'archive' | 'plugins' | 'config' | 'logger' | 'now'>,
): Promise<ReviewOutcome> => {
  await deps.store.beginReview(input.reportId, input.phase);
  const snapshot = await deps.store.loadSnapshot(input.reportId);
  if (input.phase === 'final' && pendingInspections(snapshot.attributes, snapshot.inspected, deps.plugins.inspectors, deps.config.maxInspectionDepth).length) {
    // An alert joined between the late inspection and this snapshot: report what we have now,
    // and keep the round going so its attributes are inspected and an update follows.
    await deps.store.markDirty(input.reportId);
  }
  const report = compileReport(snapshot, input.phase);
  const verdict = await safeReview(report, input.phase, deps);
  const reviewed: Report = { ...report, verdict, reviewedAt: new Date(deps.now()).toISOString() };
  const emitNow = input.phase === 'final' || pagesNow(verdict.severity, report.previous?.severity, deps.config.pagingThreshold);
  await deps.archive.put(reviewed);
  // Handed on only to emitters that run now: a round that does not emit carries no report.
  const inline = emitNow && deps.config.inlineReportMaxBytes > 0 && Buffer.byteLength(JSON.stringify(reviewed)) <= deps.config.inlineReportMaxBytes;
  await deps.store.saveVerdict(
    input.reportId,
    { ...verdict, version: report.version, phase: input.phase },
    emitNow ? { version: report.version, phase: input.phase, severity: verdict.severity, alertCount: report.alerts.length } : undefined,
  );
  deps.logger.info('report reviewed', { reportId: input.reportId, version: report.version, phase: input.phase, severity: verdict.severity });
  return {
    version: report.version,
    report: inline ? reviewed : null,
    severity: verdict.severity,
    emitNow,
    emitters: deps.plugins.emitters.filter((e) => input.phase === 'final' || e.receivesPreliminary !== false).map((e) => e.name),
    delaySeconds: deps.config.aggregationDelaySeconds,
  };
};
