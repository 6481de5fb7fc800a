/**
 * Figures a reliability test reports to `npm run test:reliability`: the table's "alerts lost"
 * column is computed from these, never typed in. They travel as the test's metadata (vitest's
 * `task.meta`, kept by its JSON reporter), so the same tests run unchanged under `npm test`.
 * Call it BEFORE the assertions that check the figures: a failing case must still show them.
 */
import type { TestContext } from 'vitest';

export interface AlertMetrics {
  /** Valid alerts published by the test. */
  sent: number;
  /** Of those, how many ended as members of a reviewed report. */
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
