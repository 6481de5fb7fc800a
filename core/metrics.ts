/**
 * Counters for what can go wrong silently: a rejected alert, a failed inspection, a delivery
 * given up on, a round that failed. Core code counts through this port; in Lambda the
 * Powertools adapter (adapters/powertools-metrics.ts) turns the counts into CloudWatch
 * Embedded Metric Format lines that the alarms in serverless.yml watch. Locally and in tests
 * `CountingMetrics` keeps them in memory, so the same code paths can be asserted.
 */

/** Every metric the pipeline publishes; the alarms in serverless.yml name them. */
export const METRIC_NAMES = [
  /** An alert became a new member of a report. */
  'AlertsIngested',
  /** An input message was refused (invalid JSON, schema, invisible characters); listed with the day's rejections. */
  'AlertsRejected',
  /** An inspector failed for an attribute after its retries; recorded on the report. */
  'InspectionsFailed',
  /** An emitter reported a delivery. */
  'EmissionsDelivered',
  /** An emit attempt for a (version, emitter) that an earlier attempt had already claimed: a possible duplicate delivery. */
  'EmissionsRepeated',
  /** An emitter failed after its retries; listed with the day's pipeline failures. */
  'EmissionsFailed',
  /** A pipeline round failed and was recorded. */
  'RoundsFailed',
  /** A failed or stalled round was started again. */
  'RoundsRedriven',
  /** A report whose rounds kept failing was given up on (recorded and listed). */
  'RoundsFinallyFailed',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Counters that only move when something went wrong: each has an alarm to the ops topic in serverless.yml. */
export const ALARMED_METRICS: readonly MetricName[] = METRIC_NAMES.filter((name) => name !== 'AlertsIngested' && name !== 'EmissionsDelivered');

export interface PipelineMetrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: MetricName, value?: number): void;
  /**
   * Publishes what was counted since the last flush; called (and awaited) by the handler wiring
   * at the end of each invocation. May load its publisher then (functions/deps.ts).
   */
  flush(): void | Promise<void>;
}

/**
 * In-memory counters: the local runtime's metrics, and what tests assert on.
 *
 * @example
 * const metrics = new CountingMetrics();
 * metrics.count('AlertsRejected');
 * metrics.get('AlertsRejected'); // 1
 */
export class CountingMetrics implements PipelineMetrics {
  private readonly totals = new Map<MetricName, number>();

  count(name: MetricName, value = 1): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }

  flush(): void {}

  get(name: MetricName): number {
    return this.totals.get(name) ?? 0;
  }

  /** Non-zero counters only, for a readable assertion message. */
  snapshot(): Partial<Record<MetricName, number>> {
    return Object.fromEntries(this.totals) as Partial<Record<MetricName, number>>;
  }
}
