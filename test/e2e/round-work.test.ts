/**
 * The work a round does, counted in Lambda invocations and round-step states: with an
 * aggregation wait of 0 the triage step does nothing (the conclusion follows at once and would
 * repeat it), and the inspection is planned again only after a batch discovered something.
 * With a wait above 0 (passed at once here, as the cost bench does) the triage runs in full.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { defineInspector } from '../../core/plugins.ts';
import type { LocalRuntimeOptions } from '../../local/runtime.ts';
import { startTestPipeline } from '../support/pipeline.ts';

const alert = (key: string, ip: string) =>
  JSON.stringify({
    detector: 'e2e',
    rule_id: 'round-work',
    alert_key: key,
    timestamp: new Date(Date.UTC(2026, 10, 30, 12, 0, 0)).toISOString(),
    attributes: [{ type: 'ipaddr', key: 'remote', value: ip, context: ['remote'] }],
  });

/** Round-step states entered, per phase of the step (its input's `phase`). */
const runOne = async (options: LocalRuntimeOptions, message: string) => {
  const statesByPhase: Record<string, string[]> = {};
  const pipeline = await startTestPipeline({
    ...options,
    onStateEntered: (workflow, state, input) => {
      const phase = (input as { phase?: string } | undefined)?.phase;
      if (workflow === 'express' && phase) (statesByPhase[phase] ??= []).push(state);
    },
  });
  try {
    await pipeline.runtime.publish([message]);
    await pipeline.runtime.drain();
    const calls = Object.fromEntries(Object.entries(pipeline.runtime.engine.invocations).map(([fn, u]) => [fn.replace(/LambdaFunction$/, ''), u.count]));
    return { calls, statesByPhase, emitted: await pipeline.emitted(), failures: pipeline.runtime.engine.failures };
  } finally {
    await pipeline.stop();
  }
};

test('wait 0: the triage step ends at its first Choice; one plan, one review, one emit, all final', async () => {
  const { calls, statesByPhase, emitted, failures } = await runOne({}, alert('wait-zero', '203.0.113.5'));
  assert.deepEqual(failures, []);
  assert.deepEqual(statesByPhase.preliminary, ['IsTriageNeeded', 'TriageNotNeeded']);
  assert.deepEqual(
    { plan: calls.PlanInspection, inspect: calls.Inspect, review: calls.Review, emit: calls.Emit, finish: calls.FinishRun },
    { plan: 1, inspect: 1, review: 1, emit: 1, finish: 1 },
    'nothing discovered: no second plan',
  );
  assert.deepEqual(emitted.map((r) => [r.phase, r.verdict?.severity]), [['final', 'high']], 'the blocklisted address still makes it high');
});

test('a wait above 0: the triage inspects, reviews and pages before the conclusion', async () => {
  const { calls, statesByPhase, emitted } = await runOne(
    { env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '300' }, skipAggregationWait: true },
    alert('wait-300', '203.0.113.5'),
  );
  assert.deepEqual(statesByPhase.preliminary?.slice(0, 3), ['IsTriageNeeded', 'PlanInspection', 'HasPendingInspections']);
  assert.equal(calls.Review, 2, 'a preliminary and a final review');
  assert.equal(calls.PlanInspection, 2, 'one plan per round step; the final one finds everything inspected');
  assert.deepEqual(emitted.map((r) => r.phase), ['preliminary', 'final'], 'the urgent report paged before the conclusion');
});

test('a discovery is planned and inspected in the same round step, and nothing is planned after a batch that discovered nothing', async () => {
  const resolver = defineInspector({
    name: 'resolver',
    accepts: ['ipaddr', 'domain'],
    inspect: (attribute) =>
      attribute.type === 'ipaddr'
        ? { findings: [{ verdict: 'info', title: 'resolved' }], newAttributes: [{ type: 'domain', key: 'ptr', value: 'scanner.example.net', context: ['remote'] }] }
        : { findings: [{ verdict: 'suspicious', title: `looked up ${attribute.value}` }] },
  });
  const { calls, statesByPhase, emitted } = await runOne(
    { extraInspectors: [resolver], env: { ALERTWARDEN_INSPECTORS: 'resolver' } },
    alert('discovery', '192.0.2.1'),
  );
  assert.equal(calls.Inspect, 2, 'the address, then the name it resolved to');
  assert.equal(calls.PlanInspection, 2, 'the first plan and the plan for the discovery; the name discovered nothing, so no third');
  assert.deepEqual(
    statesByPhase.final?.filter((s) => s === 'ShouldPlanAgain' || s === 'PlanInspection' || s === 'Review'),
    ['PlanInspection', 'ShouldPlanAgain', 'PlanInspection', 'ShouldPlanAgain', 'Review'],
  );
  const [report] = emitted;
  assert.deepEqual(report?.findings.map((f) => f.title).sort(), ['looked up scanner.example.net', 'resolved']);
});

test('the finishing call carries the report id and round only, not the round data with its inline report', async () => {
  // The default store: the memory store hands on no report (its archive reads back for free).
  const pipeline = await startTestPipeline();
  try {
    // Ten alerts of one key, each with its own address: one report whose JSON is several KiB.
    await pipeline.runtime.publish(Array.from({ length: 10 }, (_, i) => alert('finish-payload', `203.0.113.${10 + i}`)));
    await pipeline.runtime.drain();
    const { EmitLambdaFunction: emit, FinishRunLambdaFunction: finish } = pipeline.runtime.engine.invocations;
    const perCall = (u: { count: number; bytesIn: number } | undefined) => (u ? Math.round(u.bytesIn / u.count) : NaN);
    const figures = `emit ${perCall(emit)} B per call (the report inline), finish ${perCall(finish)} B per call`;
    assert.deepEqual(pipeline.runtime.engine.failures, []);
    assert.equal(finish?.count, 1, figures);
    assert.ok(perCall(emit) > 2000, `the emit call should carry the report: ${figures}`);
    assert.ok(perCall(finish) < 100, `the finish call should carry two fields: ${figures}`);
  } finally {
    await pipeline.stop();
  }
});
