/**
 * An emit Task that times out while its emitter is still delivering: the retry finds the
 * attempt's lease and must wait it out as the ASL says (20 s, doubling), not retry at once.
 * Retried at once, the lease would exhaust the retries in milliseconds and the report would
 * record an emission failure for a report that was in fact delivered.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { defineEmitter } from '../../core/plugins.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

/** Delivers after 2.5 s: longer than the 1 s the emit Task is given here. */
let deliveries = 0;
const outlasting = defineEmitter({
  name: 'outlasting',
  emit: async () => {
    await new Promise((r) => setTimeout(r, 2_500));
    deliveries++;
    return { status: 'delivered' };
  },
});

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: { ALERTWARDEN_EMITTERS: 'file,outlasting' },
    extraEmitters: [outlasting],
    taskTimeoutSeconds: { EmitToEmitter: 1 },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

test('an emit Task that times out while its emitter delivers: the retry waits out the lease, one delivery, no failure recorded', async (t) => {
  const { runtime } = pipeline;
  await runtime.publish([JSON.stringify({ detector: 'e2e', rule_id: 'lease-wait', alert_key: 'outlasting' })]);
  await runtime.drain();
  const [view] = (await runtime.reports()).filter((v) => v.report.alert_key === 'outlasting');
  const statuses = view!.emissions.filter((e) => e.emitter === 'outlasting').map((e) => e.status);
  const failures = await runtime.pipelineFailures();
  reportAlertMetrics(t, { sent: 1, inReports: view!.report.alerts.length, notes: `deliveries ${deliveries}, emissions ${JSON.stringify(statuses)}, failures ${failures.length}` });
  assert.equal(deliveries, 1, 'the emitter delivered once');
  assert.deepEqual(statuses, ['delivered'], 'the report says delivered, not failed');
  assert.deepEqual(failures, []);
});
