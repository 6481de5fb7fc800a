/**
 * Ingest of one valid alert: join (or open) the report of its alert id's window, record the
 * membership once, and make sure a pipeline round will see it.
 *
 * Crash safety without transactions, step by step: the membership is written first and
 * marked `registered` only after attributes, the dirty flag and the round are in place. A
 * redelivered message finds an unregistered membership and redoes the rest (each step is
 * idempotent), so a failure anywhere ends in "retried", never in "member but never reviewed".
 */
import type { Alert } from '../alert.ts';
import { alertFingerprintOf, alertIdOf, attributeIdOf, executionNameOf } from '../ids.ts';
import type { ReportAttribute } from '../report.ts';
import type { ReportState } from '../store.ts';
import type { PipelineDeps } from './deps.ts';

export interface IngestOutcome {
  reportId: string;
  /** false when this exact alert was already a member (redelivery or republish). */
  added: boolean;
  /** The round started by this call, if any. */
  startedRound?: number;
}

export const attributesOfAlert = (alert: Alert): ReportAttribute[] =>
  alert.attributes.map((attribute) => ({ ...attribute, id: attributeIdOf(attribute), depth: 0, origin: 'alert' }));

export const ingestAlert = async (
  alert: Alert,
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'config' | 'now'>,
): Promise<IngestOutcome> => {
  const { store, config } = deps;
  const nowMs = deps.now();
  const alertId = alertIdOf(alert);
  let state = await store.openReport({ alertId, alert, nowMs, windowMs: config.aggregationWindowSeconds * 1000 });
  const reportId = state.reportId;
  const fingerprint = alertFingerprintOf(alert);
  const membership = await store.addAlert(reportId, { ...alert, fingerprint, receivedAt: new Date(nowMs).toISOString() });
  if (membership.added || !membership.registered) {
    await store.addAttributes(reportId, attributesOfAlert(alert));
    state = await store.markDirty(reportId);
  }
  const startedRound = await ensureRound(state, deps);
  if (membership.added || !membership.registered) await store.markAlertRegistered(reportId, fingerprint);
  return { reportId, added: membership.added, ...(startedRound !== undefined ? { startedRound } : {}) };
};

/**
 * A running round picks up new alerts itself (dirty flag); otherwise claim the next round.
 * A claimed round whose start was never confirmed (the start call failed) is started again
 * under the same execution name, which the starter treats as idempotent.
 */
const ensureRound = async (state: ReportState, deps: Pick<PipelineDeps, 'store' | 'starter'>): Promise<number | undefined> => {
  let current = state;
  if (!current.running) {
    const claimed = await deps.store.claimRound(current.reportId);
    if (!claimed) return undefined;
    current = claimed;
  } else if (current.startedRound >= current.round) {
    return undefined;
  }
  await deps.starter.start(executionNameOf(current.reportId, current.round), { reportId: current.reportId, round: current.round });
  await deps.store.confirmStarted(current.reportId, current.round);
  return current.round;
};
