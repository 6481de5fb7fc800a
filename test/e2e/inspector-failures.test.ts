/** One failing inspector yields a recorded error in the report, never a failed or lost report. */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { defineInspector } from '../../core/plugins.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let throwerCalls = 0;

const thrower = defineInspector({
  name: 'thrower',
  accepts: ['ipaddr'],
  inspect: () => {
    throwerCalls++;
    throw new Error('upstream threat-intel API answered 500');
  },
});
const hanger = defineInspector({
  name: 'hanger',
  accepts: ['ipaddr'],
  timeoutMs: 200,
  inspect: () => new Promise(() => undefined),
});
const garbage = defineInspector({
  name: 'garbage',
  accepts: ['ipaddr'],
  inspect: () => ({ findings: 'not a list' }) as never,
});

beforeAll(async () => {
  pipeline = await startTestPipeline({ extraInspectors: [thrower, hanger, garbage] });
});

afterAll(async () => {
  await pipeline?.stop();
});

test('an inspector that throws, one that hangs and one that returns garbage: the report still completes with each error recorded', async (t) => {
  const started = Date.now();
  const { runtime } = pipeline;
  const failedBefore = runtime.metrics.get('InspectionsFailed');
  await runtime.publish([
    JSON.stringify({
      detector: 'e2e',
      rule_id: 'faults',
      alert_key: 'faulty-inspectors',
      attributes: [{ type: 'ipaddr', key: 'remote', value: '203.0.113.5', context: ['remote'] }],
    }),
  ]);
  await runtime.drain();
  const finals = (await pipeline.emitted()).filter((r) => r.phase === 'final');
  reportAlertMetrics(t, { sent: 1, inReports: finals.length === 1 ? finals[0]!.alerts.length : 0 });
  assert.equal(finals.length, 1);
  const report = finals[0]!;
  const failures = Object.fromEntries(report.inspectionFailures.map((f) => [f.inspector, f]));
  assert.deepEqual(Object.keys(failures).sort(), ['garbage', 'hanger', 'thrower']);
  assert.equal(failures.thrower!.error, 'Error');
  assert.match(failures.thrower!.message, /answered 500/);
  assert.equal(failures.hanger!.error, 'InspectorTimeoutError');
  assert.match(failures.hanger!.message, /200 ms/);
  assert.equal(failures.garbage!.error, 'PluginContractError');
  assert.match(failures.garbage!.message, /findings/);
  // The healthy inspector still did its job on the same attribute.
  assert.deepEqual(report.findings.filter((f) => f.verdict !== 'info').map((f) => f.inspector), ['blocklist']);
  assert.equal(report.verdict?.severity, 'high');
  // Generic errors are retried (ASL: 2 retries) before they are recorded; timeouts and contract errors are not.
  assert.equal(throwerCalls, 3);
  const failedCounted = runtime.metrics.get('InspectionsFailed') - failedBefore;
  assert.equal(failedCounted, 3, `InspectionsFailed counted ${failedCounted} for 3 recorded failures`);
  assert.equal(runtime.engine.failures.length, 0);
  assert.ok(Date.now() - started < 20_000);
});
