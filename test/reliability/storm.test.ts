/**
 * An alert storm: 10,000 alerts over 100 keys through the whole local pipeline (ingest with
 * Lambda-like concurrency, rounds looping while alerts keep joining). Exactly 100 reports,
 * 10,000 memberships, none doubled, every alert in the last emitted version of its report
 * (read back from the file emitter's output), every report reviewed after its last alert.
 * `npm test` runs it at 1,000 alerts; `npm run test:reliability` at the full 10,000 (STORM_ALERTS).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, test } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';
import { deliveredAlerts, repeatedDeliveries, reportAlertMetrics } from '../support/metrics.ts';

const ALERTS = Number(process.env.STORM_ALERTS ?? 1_000);
const KEYS = Number(process.env.STORM_KEYS ?? 100);

let pipeline: TestPipeline;
let runtime: LocalRuntime;

beforeAll(async () => {
  // The pipeline's mechanics under a storm, with the one inspector it was sized for: every
  // built-in inspector would multiply the per-attribute work, not exercise anything new here.
  pipeline = await startTestPipeline({ env: { ALERTWARDEN_INSPECTORS: 'blocklist' } });
  runtime = pipeline.runtime;
});

afterAll(async () => {
  await pipeline?.stop();
});

test(`a storm of ${ALERTS} alerts over ${KEYS} keys: ${KEYS} reports, ${ALERTS} memberships, none lost`, { timeout: 900_000 }, async (t) => {
  const messages = Array.from({ length: ALERTS }, (_, n) =>
    JSON.stringify({
      detector: 'storm',
      rule_id: 'scanner-contact',
      alert_key: `host-${n % KEYS}`,
      description: `storm alert ${n}`,
      attributes: [{ type: 'ipaddr', key: 'remote', value: `198.51.100.${n % 200}`, context: ['remote'] }],
    }),
  );
  const started = performance.now();
  await runtime.publish(messages);
  const ingested = performance.now();
  await runtime.drain();
  const seconds = (performance.now() - started) / 1000;

  const { store } = runtime.deps;
  const views = await runtime.reports();
  const emitted = await pipeline.emitted();
  const delivery = deliveredAlerts(messages, emitted);
  const repeated = repeatedDeliveries(emitted);
  const members = new Map<string, number>();
  const unfinished: string[] = [];
  for (const { report } of views) {
    const snapshot = await store.loadSnapshot(report.id);
    for (const a of snapshot.alerts) members.set(a.description!, (members.get(a.description!) ?? 0) + 1);
    if (snapshot.state.running || snapshot.state.dirty || report.phase !== 'final' || report.alerts.length !== snapshot.alerts.length) {
      unfinished.push(`${report.alert_key}: running ${snapshot.state.running}, dirty ${snapshot.state.dirty}, ${report.phase} review of ${report.alerts.length}/${snapshot.alerts.length} members`);
    }
  }
  const memberships = [...members.values()].reduce((a, b) => a + b, 0);
  // Recorded before any assertion, so a failing storm still shows its real numbers.
  reportAlertMetrics(t, {
    sent: ALERTS,
    inReports: delivery.delivered,
    notes: `${(ALERTS / seconds).toFixed(0)} alerts/s end to end (ingest ${(ALERTS / ((ingested - started) / 1000)).toFixed(0)}/s), ${runtime.engine.executionCount} executions, ${runtime.engine.failures.length} failed, ${emitted.length} versions emitted, ${repeated.length} delivered twice (EmissionsRepeated ${runtime.metrics.get('EmissionsRepeated')}), ${seconds.toFixed(0)} s`,
  });
  assert.deepEqual(delivery.lost.slice(0, 5), [], `${delivery.lost.length} of ${ALERTS} alerts are not in the last emitted version of their report`);
  assert.deepEqual(delivery.notFinal, [], 'reports whose last emitted version is not final');
  assert.deepEqual(unfinished, [], 'every report ends idle, clean, and finally reviewed after its last member');
  assert.equal(views.length, KEYS);
  assert.equal(memberships, ALERTS, 'memberships');
  assert.equal(members.size, ALERTS, 'distinct alerts');
  assert.equal(runtime.deadLetters.length, 0);
  assert.deepEqual(runtime.engine.failures, []);
  assert.deepEqual(await runtime.rejections(), []);
  assert.deepEqual(repeated, [], 'no report version reached the emitter twice');
  assert.deepEqual(await runtime.pipelineFailures(), [], 'no emission or round given up on');
});
