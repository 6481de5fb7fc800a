/**
 * Figures a reliability test reports to `npm run test:reliability`: the table's "alerts lost"
 * column is computed from these, never typed in. They travel as the test's metadata (vitest's
 * `task.meta`, kept by its JSON reporter), so the same tests run unchanged under `npm test`.
 * Call it BEFORE the assertions that check the figures: a failing case must still show them.
 */
import type { TestContext } from 'vitest';
import { validateAlert } from '../../core/pipeline/intake.ts';
import { alertFingerprintOf, alertIdOf } from '../../core/ids.ts';
import type { Report } from '../../core/report.ts';

export interface AlertMetrics {
  /** Valid alerts published by the test. */
  sent: number;
  /**
   * Of those, how many are in the LAST emitted version of their report, as an emitter
   * received it (see `deliveredAlerts`); `sent - inReports` is the "alerts lost" column.
   */
  inReports: number;
  /** Free-form figures worth a column (throughput, duration). */
  notes?: string;
}

declare module 'vitest' {
  interface TaskMeta {
    alertMetrics?: AlertMetrics;
  }
}

export const reportAlertMetrics = (t: TestContext, metrics: AlertMetrics): void => {
  t.task.meta.alertMetrics = metrics;
};

export interface Delivery {
  /** Sent alerts present in the last emitted version of their report. */
  delivered: number;
  /** The sent alerts that are not (their message text, for the assertion message). */
  lost: string[];
  /** Reports whose last emitted version is not a final one. */
  notFinal: string[];
}

/**
 * Report versions an emitter received more than once (`<report id> v<version>`). Emission is
 * at-least-once, but a second delivery should only follow an attempt whose outcome was lost;
 * in a local run nothing dies, so any here means attempts overlapped (the emission lease failed).
 */
export const repeatedDeliveries = (emitted: readonly Report[]): string[] => {
  const seen = new Map<string, number>();
  for (const report of emitted) seen.set(`${report.id} v${report.version}`, (seen.get(`${report.id} v${report.version}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([version, n]) => `${version} x${n}`);
};

/**
 * What "nothing lost" means to a user: every alert published is in the last version of its
 * report that the emitters received. Store memberships do not count: a member that no review
 * covered (a dead round, a review taken before it joined) reached nobody. Alerts are matched
 * by fingerprint (the hash of their validated content) within reports of their alert id.
 */
export const deliveredAlerts = (sent: readonly string[], emitted: readonly Report[]): Delivery => {
  const last = new Map<string, Report>();
  for (const report of emitted) {
    const seen = last.get(report.id);
    if (!seen || report.version > seen.version) last.set(report.id, report);
  }
  const inLast = new Map<string, Set<string>>();
  for (const report of last.values()) {
    const fingerprints = inLast.get(report.alertId) ?? new Set<string>();
    for (const alert of report.alerts) fingerprints.add(alert.fingerprint);
    inLast.set(report.alertId, fingerprints);
  }
  const lost = sent.filter((message) => {
    const alert = validateAlert(JSON.parse(message));
    return !inLast.get(alertIdOf(alert))?.has(alertFingerprintOf(alert));
  });
  const notFinal = [...last.values()].filter((r) => r.phase !== 'final').map((r) => r.id);
  return { delivered: sent.length - lost.length, lost, notFinal };
};
