/**
 * Figures a reliability test reports to `npm run test:reliability`: the table's "alerts lost"
 * column is computed from these, never typed in. A diagnostic line is all it takes, so the
 * same tests run unchanged under `npm test`.
 */
import type { TestContext } from 'node:test';

export const METRICS_PREFIX = 'alertwarden-metrics ';

export interface AlertMetrics {
  /** Valid alerts published by the test. */
  sent: number;
  /** Of those, how many ended as members of a reviewed report. */
  inReports: number;
  /** Free-form figures worth a column (throughput, duration). */
  notes?: string;
}

export const reportAlertMetrics = (t: TestContext, metrics: AlertMetrics): void => {
  t.diagnostic(`${METRICS_PREFIX}${JSON.stringify(metrics)}`);
};
