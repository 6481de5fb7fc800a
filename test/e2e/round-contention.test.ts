/**
 * 1,000 alerts over 1,000 reports on one key space, the local engine under CPU contention: a
 * storm of small reports degrades into queueing (executions capped in flight), never into
 * timed-out rounds, and every report reaches a final emitted version. Its own file so that
 * vitest runs it beside the other fault cases instead of after them. Every figure comes from
 * what the file emitter received.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { test } from 'vitest';
import { deliveredAlerts, repeatedDeliveries, reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline } from '../support/pipeline.ts';

const alertFor = (key: string, n: number, detector: string) =>
  JSON.stringify({
    detector,
    rule_id: 'r',
    alert_key: key,
    description: `${key} alert ${n}`,
    attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.7', context: ['remote'] }],
  });

// `npm test` runs it at 50 reports; `npm run test:reliability` at the full 1,000 (ROUND_CONTENTION_REPORTS: 333 s at load 12).
const CONTENTION_REPORTS = Number(process.env.ROUND_CONTENTION_REPORTS ?? 50);

test(`${CONTENTION_REPORTS} alerts over ${CONTENTION_REPORTS} reports on one key space, the engine under CPU contention: ${CONTENTION_REPORTS} final reports`, { timeout: 900_000 }, async (t) => {
  // A busy thread competes for the CPU for the whole run (bounded: it stops itself after 15 minutes).
  const busy = new Worker('const end = Date.now() + 900_000; while (Date.now() < end) {}', { eval: true });
  // The rounds' mechanics under contention, with the one inspector the storm uses too: the data
  // inspectors would add per-report lookups, not exercise anything new here.
  const pipeline = await startTestPipeline({ env: { ALERTWARDEN_INSPECTORS: 'blocklist' } });
  try {
    const { runtime } = pipeline;
    const started = Date.now();
    const messages = Array.from({ length: CONTENTION_REPORTS }, (_, n) => alertFor('shared-key', n, `detector-${n}`));
    await runtime.publish(messages);
    await runtime.drain();
    const seconds = (Date.now() - started) / 1000;
    const emitted = await pipeline.emitted();
    const delivery = deliveredAlerts(messages, emitted);
    const finals = new Set(emitted.filter((r) => r.phase === 'final').map((r) => r.id));
    const repeated = repeatedDeliveries(emitted);
    reportAlertMetrics(t, {
      sent: messages.length,
      inReports: delivery.delivered,
      notes: `${finals.size} final reports in ${seconds.toFixed(0)} s under contention, ${runtime.engine.failures.length} failed executions, ${runtime.swept.redriven.length} re-driven, peak ${runtime.engine.peakExecutionsInFlight} executions in flight, ${repeated.length} versions delivered twice`,
    });
    assert.equal(finals.size, CONTENTION_REPORTS);
    assert.deepEqual(delivery.lost.slice(0, 5), [], `${delivery.lost.length} alerts lost`);
    assert.deepEqual(delivery.notFinal, []);
    assert.equal(runtime.deadLetters.length, 0);
    assert.deepEqual(repeated, [], 'no report version reached the emitter twice');
    assert.deepEqual(await runtime.pipelineFailures(), [], 'no emission or round given up on');
  } finally {
    await busy.terminate();
    await pipeline.stop();
  }
});
