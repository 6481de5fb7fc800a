import assert from 'node:assert/strict';
import { afterEach, test, vi } from 'vitest';
import { captureStdout } from '../test/support/capture-stdout.ts';
import { PowertoolsMetrics } from './powertools-metrics.ts';

afterEach(() => vi.restoreAllMocks());

test('counts become one EMF line per flush, in the namespace and service the alarms name', () => {
  const lines = captureStdout();
  const metrics = PowertoolsMetrics.fromEnv({ POWERTOOLS_METRICS_NAMESPACE: 'AlertWarden/dev', POWERTOOLS_SERVICE_NAME: 'alertwarden' });
  metrics.count('EmissionsFailed');
  metrics.count('EmissionsFailed');
  metrics.count('AlertsRejected', 3);
  metrics.flush();
  vi.restoreAllMocks();
  assert.equal(lines.length, 1, lines.join(''));
  const emf = JSON.parse(lines[0]!);
  const [directive] = emf._aws.CloudWatchMetrics;
  assert.equal(directive.Namespace, 'AlertWarden/dev');
  assert.deepEqual(directive.Dimensions, [['service']]);
  assert.equal(emf.service, 'alertwarden');
  assert.deepEqual(emf.EmissionsFailed, [1, 1]);
  assert.equal(emf.AlertsRejected, 3);
  assert.deepEqual(
    directive.Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]).sort(),
    [['AlertsRejected', 'Count'], ['EmissionsFailed', 'Count']],
  );
});

test('a flush with nothing counted writes nothing (no EMF line, no Powertools warning)', () => {
  const lines = captureStdout();
  const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const metrics = PowertoolsMetrics.fromEnv({});
  metrics.flush();
  const warnings = warn.mock.calls.length;
  vi.restoreAllMocks();
  assert.deepEqual(lines, []);
  assert.equal(warnings, 0);
});
