import assert from 'node:assert/strict';
import { test } from 'vitest';
import { CountingMetrics, METRIC_NAMES } from './metrics.ts';

test('counting metrics add up per name and start at zero', () => {
  const metrics = new CountingMetrics();
  metrics.count('AlertsRejected');
  metrics.count('AlertsRejected', 2);
  metrics.count('EmissionsFailed');
  metrics.flush();
  assert.equal(metrics.get('AlertsRejected'), 3);
  assert.equal(metrics.get('EmissionsFailed'), 1);
  assert.equal(metrics.get('RoundsFailed'), 0);
  assert.deepEqual(metrics.snapshot(), { AlertsRejected: 3, EmissionsFailed: 1 });
});

test('metric names are valid CloudWatch names and unique', () => {
  assert.equal(new Set(METRIC_NAMES).size, METRIC_NAMES.length);
  for (const name of METRIC_NAMES) assert.match(name, /^[A-Z][A-Za-z]{1,254}$/);
});
