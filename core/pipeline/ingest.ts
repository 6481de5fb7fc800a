/**
 * Ingest of valid alerts: join (or open) the report of each alert id's window, record the
 * membership once, and make sure a pipeline round will see it.
 *
 * Crash safety without transactions, step by step: the membership is written first and
 * marked `registered` only after attributes, the dirty flag and the round are in place. A
 * redelivered message finds an unregistered membership and redoes the rest (each step is
 * idempotent), so a failure anywhere ends in "retried", never in "member but never reviewed".
 * A new report's state is written after its first memberships, with its first round claimed
 * in that write (startReport): one write where opening and claiming took two, and no round
 * is ever claimed for a report without a member.
 *
 * `ingestAlerts` takes an SQS batch as a unit, in the same order, one step for all its
 * alerts at a time: window lookups, memberships and attributes, report states and the
 * registration are batch reads and writes, and each report's dirty flag and round are
 * touched once per batch, not once per alert.
 */
import type { Alert } from '../alert.ts';
import { alertFingerprintOf, alertIdOf, attributeIdOf } from '../ids.ts';
import type { ReportAttribute } from '../report.ts';
import { ReportNotFoundError } from '../errors.ts';
import type { Membership, ReportState, ReportStore, ReportWindow } from '../store.ts';
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

/**
 * Window pointers this process has seen, per store: alert id -> its report and when the window
 * ends. A pointer is replaced only once its window has ended (openReport's condition), so until
 * then a remembered one is the stored one, and a batch whose alert ids are all remembered skips
 * the window lookup (a BatchGetItem per SQS batch in a storm, where the same keys repeat).
 */
const windowsSeen = new WeakMap<ReportStore, Map<string, { reportId: string; endsAtMs: number }>>();
/** Bounds the memory of a long-lived container: past it, ended windows go first, then the oldest. */
export const MAX_WINDOWS_SEEN = 10_000;

const windowsOf = (store: ReportStore) => {
  let windows = windowsSeen.get(store);
  if (!windows) windowsSeen.set(store, (windows = new Map()));
  return windows;
};

const windowOf = (state: ReportState): ReportWindow => ({
  reportId: state.reportId,
  alertId: state.alertId,
  createdAtMs: Date.parse(state.createdAt),
  windowEndsAtMs: Date.parse(state.windowEndsAt),
});

/** The window of a report whose state is missing, read back through its pointer (openWindow reads an open one). */
const reopened = async (alert: Alert, nowMs: number, windowMs: number, store: ReportStore) => ({
  window: await store.openWindow({ alertId: alertIdOf(alert), alert, nowMs, windowMs }),
  alert,
});

const rememberWindow = (store: ReportStore, window: ReportWindow, nowMs: number) => {
  const windows = windowsOf(store);
  const endsAtMs = window.windowEndsAtMs;
  if (!(endsAtMs > nowMs)) return;
  windows.delete(window.alertId); // re-inserted last: eviction takes the least recently seen
  windows.set(window.alertId, { reportId: window.reportId, endsAtMs });
  if (windows.size <= MAX_WINDOWS_SEEN) return;
  for (const [alertId, w] of windows) if (w.endsAtMs <= nowMs) windows.delete(alertId);
  for (const alertId of windows.keys()) {
    if (windows.size <= MAX_WINDOWS_SEEN) break;
    windows.delete(alertId);
  }
};

/** Why one alert of a batch was not ingested: its message must be delivered again. */
export interface IngestFailure {
  failed: unknown;
}

/**
 * A batch of valid alerts; outcomes in input order. A failure of a step shared by the whole
 * batch fails every alert of it; a failure of one report's step fails that report's alerts.
 */
export const ingestAlerts = async (
  alerts: readonly Alert[],
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'config' | 'now' | 'metrics'>,
): Promise<(IngestOutcome | IngestFailure)[]> => {
  const { store, config } = deps;
  const nowMs = deps.now();
  const windowMs = config.aggregationWindowSeconds * 1000;
  const receivedAt = new Date(nowMs).toISOString();
  const entries = alerts.map((alert) => ({ alert, alertId: alertIdOf(alert), fingerprint: alertFingerprintOf(alert) }));
  const firstAlertOf = new Map<string, Alert>();
  for (const e of entries) if (!firstAlertOf.has(e.alertId)) firstAlertOf.set(e.alertId, e.alert);

  let reportOf: Map<string, string>;
  let members: Map<string, Membership & { result?: { added: boolean; registered: boolean } }>;
  let states: Map<string, ReportState>;
  /** Windows this batch opened, by report id: their reports get their state after the memberships (startReport). */
  const opened = new Map<string, { window: ReportWindow; alert: Alert }>();
  try {
    const windows = windowsOf(store);
    reportOf = new Map();
    const unseen: string[] = [];
    for (const alertId of firstAlertOf.keys()) {
      const window = windows.get(alertId);
      if (window && window.endsAtMs > nowMs) reportOf.set(alertId, window.reportId);
      else unseen.push(alertId);
    }
    if (unseen.length > 0) for (const [alertId, reportId] of await store.findOpenReports(unseen, nowMs)) reportOf.set(alertId, reportId);
    // A new or ended window needs a conditional write of its own (one item per alert id): the
    // batch's are made at once, not one after another (a storm of new keys opens ten per batch).
    // All of them settle before a failure fails the batch, so none is still writing after it.
    const toOpen = [...firstAlertOf].filter(([alertId]) => !reportOf.has(alertId));
    const openings = await Promise.allSettled(toOpen.map(([alertId, alert]) => store.openWindow({ alertId, alert, nowMs, windowMs })));
    let refused: PromiseRejectedResult | undefined;
    openings.forEach((opening, i) => {
      if (opening.status === 'rejected') return void (refused ??= opening);
      const window = opening.value;
      reportOf.set(toOpen[i]![0], window.reportId);
      rememberWindow(store, window, nowMs);
      opened.set(window.reportId, { window, alert: toOpen[i]![1] });
    });
    if (refused) throw refused.reason;
    // The same alert twice in one batch is one membership.
    members = new Map();
    for (const e of entries) {
      const reportId = reportOf.get(e.alertId)!;
      const key = `${reportId}#${e.fingerprint}`;
      if (!members.has(key)) members.set(key, { reportId, alert: { ...e.alert, fingerprint: e.fingerprint, receivedAt }, attributes: attributesOfAlert(e.alert) });
    }
    const list = [...members.values()];
    const results = await store.addMembers(list);
    list.forEach((m, i) => (m.result = results[i]));
    // Read after the memberships were written: a report already dirty then is bound to be
    // reviewed again after them (see markDirty below), so its flag need not be written. A
    // window this call created (dated now) has no state to read yet (startReport below); one
    // found open, as when concurrent batches open the same alert id, may have it already.
    const pendingReports = new Set(list.filter((m) => !m.result!.registered).map((m) => m.reportId));
    const toRead = [...pendingReports].filter((reportId) => opened.get(reportId)?.window.createdAtMs !== nowMs);
    states = toRead.length > 0 ? await store.getStates(toRead) : new Map();
    for (const state of states.values()) rememberWindow(store, windowOf(state), nowMs);
  } catch (failed) {
    return entries.map(() => ({ failed }));
  }

  const pendingOf = new Map<string, Membership[]>();
  for (const m of members.values()) if (!m.result!.registered) pendingOf.set(m.reportId, [...(pendingOf.get(m.reportId) ?? []), m]);
  const startedOf = new Map<string, number | undefined>();
  const failedOf = new Map<string, unknown>();
  await Promise.all(
    [...pendingOf.entries()].map(async ([reportId, pending]) => {
      try {
        let state = states.get(reportId);
        if (!state) {
          // A new report (or a window pointer whose state a crash left unwritten): its state is
          // written now, after its memberships, with the first round claimed in the same write.
          // Written before them, a crash in between would leave a round to review no alert.
          const { window, alert } = opened.get(reportId) ?? (await reopened(pending[0]!.alert, nowMs, windowMs, store));
          // Another report's window by now: this one's members wait for the redelivery.
          if (window.reportId !== reportId) throw new ReportNotFoundError(reportId);
          state = (await store.startReport(window, alert)) ?? (await store.getState(reportId));
          if (!state) throw new ReportNotFoundError(reportId);
        }
        // An idle report: claiming its round marks it dirty in the same write.
        const claimed = state.running ? undefined : await store.claimRound(reportId);
        if (claimed) state = claimed;
        // Otherwise a round runs. Its dirty flag read true after the memberships were written
        // means no final snapshot has cleared it since: the next one comes after, and sees them.
        else if (!state.running || !state.dirty) state = await store.markDirty(reportId);
        startedOf.set(reportId, await ensureRound(state, deps));
      } catch (error) {
        failedOf.set(reportId, error);
      }
    }),
  );
  const registering = [...pendingOf.entries()].filter(([reportId]) => !failedOf.has(reportId)).flatMap(([, pending]) => pending);
  try {
    if (registering.length > 0) await store.markMembersRegistered(registering);
  } catch (error) {
    // Left unregistered: the redelivery redoes the (idempotent) steps above.
    for (const m of registering) failedOf.set(m.reportId, error);
  }

  const seen = new Set<string>();
  return entries.map((e) => {
    const reportId = reportOf.get(e.alertId)!;
    if (failedOf.has(reportId)) return { failed: failedOf.get(reportId) };
    const key = `${reportId}#${e.fingerprint}`;
    const added = members.get(key)!.result!.added && !seen.has(key);
    seen.add(key);
    if (added) deps.metrics.count('AlertsIngested');
    const startedRound = startedOf.get(reportId);
    return { reportId, added, ...(startedRound !== undefined ? { startedRound } : {}) };
  });
};
