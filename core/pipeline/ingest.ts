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
import { alertFingerprintOf, alertIdOf, attributeIdOf } from '../ids.ts';
import type { ReportAttribute } from '../report.ts';
import type { PipelineDeps } from './deps.ts';
import { ensureRound } from './rounds.ts';

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
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'config' | 'now' | 'metrics'>,
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
  if (membership.added) deps.metrics.count('AlertsIngested');
  const startedRound = await ensureRound(state, deps);
  if (membership.added || !membership.registered) await store.markAlertRegistered(reportId, fingerprint);
  return { reportId, added: membership.added, ...(startedRound !== undefined ? { startedRound } : {}) };
};
