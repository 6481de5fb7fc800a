/**
 * The metrics port over Powertools Metrics: counts buffered during one Lambda invocation,
 * written as one CloudWatch Embedded Metric Format line when the handler wiring flushes them.
 * Namespace and `service` dimension come from POWERTOOLS_METRICS_NAMESPACE and
 * POWERTOOLS_SERVICE_NAME (serverless.yml sets both; the alarms name the same values).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricName, PipelineMetrics } from '../core/metrics.ts';

export const DEFAULT_METRICS_NAMESPACE = 'AlertWarden';

export class PowertoolsMetrics implements PipelineMetrics {
  constructor(private readonly metrics: Metrics) {}

  static fromEnv(env: Record<string, string | undefined>): PowertoolsMetrics {
    return new PowertoolsMetrics(
      new Metrics({
        namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
        serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'alertwarden',
      }),
    );
  }

  count(name: MetricName, value = 1): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }

  flush(): void {
    // Powertools warns on every empty flush; most invocations count nothing, and that is normal.
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}
