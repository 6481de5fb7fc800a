/**
 * No round is left dead: a round that times out, or dies in a DynamoDB outage longer than
 * every retry, is re-driven by the sweeper and its report still reaches a final emitted
 * version; a report whose rounds keep failing is given up on loudly (listed, counted, its
 * alerts named). Every figure comes from what the file emitter received. The same under CPU
 * contention at scale: round-contention.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { defineInspector, defineReviewer } from '../../core/plugins.ts';
import { deliveredAlerts, reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline } from '../support/pipeline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const alertFor = (key: string, n: number, detector = 'round-faults') =>
  JSON.stringify({
    detector,
    rule_id: 'r',
    alert_key: key,
    description: `${key} alert ${n}`,
    attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.7', context: ['remote'] }],
  });

test('a round whose Task times out is re-driven, and the report still reaches a final emitted version', { timeout: 300_000 }, async (t) => {
  let calls = 0;
  let roundsFailed = () => 0;
  // Slow once: the first round's Triage runs out of time while this inspector still works; it
  // returns once that round has failed (at most 20 s), not after a fixed sleep. A wait of 1 s,
  // since with 0 the round skips its triage.
  const slowOnce = defineInspector({
    name: 'slow-once',
    accepts: ['ipaddr'],
    timeoutMs: 40_000,
    inspect: async () => {
      if (++calls === 1) for (let waited = 0; waited < 20_000 && roundsFailed() === 0; waited += 50) await sleep(50);
      return { findings: [{ verdict: 'info', title: 'looked at it' }] };
    },
  });
  const pipeline = await startTestPipeline({ extraInspectors: [slowOnce], taskTimeoutSeconds: { Triage: 6 }, env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '1' } });
  roundsFailed = () => pipeline.runtime.engine.failures.length;
  try {
    const { runtime } = pipeline;
    const messages = [alertFor('timed-out', 0)];
    await runtime.publish(messages);
    await runtime.drain();
    const delivery = deliveredAlerts(messages, await pipeline.emitted());
    reportAlertMetrics(t, { sent: messages.length, inReports: delivery.delivered });
    assert.match(runtime.engine.failures[0]?.error ?? '', /pipeline step failed/, `the first round failed: ${JSON.stringify(runtime.engine.failures)} swept ${JSON.stringify(runtime.swept)}`);
    assert.equal(runtime.swept.redriven.length, 1, `re-driven: ${runtime.swept.redriven.join(', ')}`);
    assert.deepEqual(delivery.lost, [], 'the alert is in the last emitted version of its report');
    assert.deepEqual(delivery.notFinal, []);
    assert.equal(runtime.metrics.get('RoundsFailed'), 1);
    assert.equal(runtime.metrics.get('RoundsRedriven'), 1);
    assert.deepEqual(await runtime.pipelineFailures(), [], 'retried, not given up');
    const [view] = await runtime.reports();
    assert.equal(view!.error, undefined, 'the round that finished cleared the error of the one that failed');
  } finally {
    await pipeline.stop();
  }
});

test('DynamoDB down for longer than every retry: the report is not left running; once DynamoDB is back one sweep delivers every alert', { timeout: 300_000 }, async (t) => {
  const entered = deferred();
  const gate = deferred();
  // Holds the first round until DynamoDB is down, so every later write of the round fails.
  const gated = defineInspector({
    name: 'gated',
    accepts: ['ipaddr'],
    inspect: async () => {
      entered.resolve();
      await gate.promise;
      return { findings: [] };
    },
  });
  const pipeline = await startTestPipeline({ extraInspectors: [gated], sweepIntervalMs: 0 });
  try {
    const { runtime } = pipeline;
    const messages = [0, 1, 2].map((n) => alertFor('long-outage', n));
    await runtime.publish(messages);
    await entered.promise;
    await runtime.servers.pauseDynamoDb();
    gate.resolve();
    await runtime.engine.drain(); // the round, its failure recording and every retry have given up
    await runtime.servers.resumeDynamoDb();

    const [reportId] = await runtime.deps.store.listReportIds();
    const stuck = await runtime.deps.store.getState(reportId!);
    assert.equal(runtime.engine.failures.length, 1, 'the round died');
    assert.equal(stuck?.running, true, 'nothing could record the failure: without the sweeper the report would stay running for good');
    assert.equal(deliveredAlerts(messages, await pipeline.emitted()).delivered, 0);

    const sweep = await runtime.sweep();
    await runtime.engine.drain();
    const delivery = deliveredAlerts(messages, await pipeline.emitted());
    reportAlertMetrics(t, { sent: messages.length, inReports: delivery.delivered });
    assert.deepEqual(sweep, { redriven: [`${reportId}-r2`], givenUp: [] });
    assert.deepEqual(delivery.lost, [], 'every alert is in the last emitted version of its report');
    assert.deepEqual(delivery.notFinal, []);
    assert.equal((await runtime.deps.store.getState(reportId!))?.running, false);
  } finally {
    await pipeline.stop();
  }
});

test('a report whose rounds keep failing is given up on: listed with the alerts it holds, counted, never silent', { timeout: 300_000 }, async (t) => {
  const broken = defineReviewer({
    name: 'broken',
    review: () => {
      throw new ConfigError('cannot read review policy s3://cfg/policy.json: AccessDenied');
    },
  });
  const pipeline = await startTestPipeline({ reviewer: broken, env: { ALERTWARDEN_ROUND_MAX_REDRIVES: '2' } });
  try {
    const { runtime } = pipeline;
    const messages = [alertFor('keeps-failing', 0), alertFor('keeps-failing', 1)];
    await runtime.publish(messages);
    await runtime.drain();
    const delivery = deliveredAlerts(messages, await pipeline.emitted());
    reportAlertMetrics(t, { sent: 0, inReports: 0, notes: `given up with ${messages.length - delivery.delivered} alerts named` });
    assert.equal(runtime.engine.failures.length, 3, 'the first round and two re-drives');
    assert.equal(runtime.metrics.get('RoundsRedriven'), 2);
    assert.equal(runtime.metrics.get('RoundsFinallyFailed'), 1);
    const [failure] = (await runtime.pipelineFailures()).filter((f) => f.kind === 'round');
    assert.ok(failure && failure.kind === 'round');
    assert.equal(failure.round, 3);
    assert.match(failure.error, /ConfigError: cannot read review policy/);
    assert.equal(failure.alertCount, 2);
    assert.deepEqual(failure.alerts?.map((a) => a.description).sort(), ['keeps-failing alert 0', 'keeps-failing alert 1']);
    const [view] = await runtime.reports();
    assert.match(view!.error ?? '', /ConfigError/);
    assert.equal(view!.unreviewed, true);
    const state = await runtime.deps.store.getState(view!.report.id);
    assert.equal(state?.running, false, 'released: the next alert for it starts afresh');
    assert.equal(state?.sweepAt, undefined, 'no longer watched');
  } finally {
    await pipeline.stop();
  }
});
