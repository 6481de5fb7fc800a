/**
 * Delivery is at-least-once with an idempotency key, and an emission claim is a lease:
 * - the bookkeeping write after a successful delivery fails -> the step retries, the emitter
 *   sees the same key again, and the report records one delivery;
 * - while an attempt is still delivering, a second attempt is refused (EmissionInProgressError,
 *   retried later by the ASL) instead of delivering twice;
 * - an attempt that died holding its lease is taken over once the lease has run out, counted
 *   as a repeat (EmissionsRepeated).
 * `ledger` stands for a target that de-duplicates by key (a PagerDuty dedup_key).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { emissionKeyOf } from '../../core/ids.ts';
import { emitReport } from '../../core/pipeline/emission.ts';
import { defineEmitter } from '../../core/plugins.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

/** Every call's idempotency key, in order, and the distinct deliveries the target kept. */
const ledgerCalls: string[] = [];
const ledgerKept = new Set<string>();
const ledger = defineEmitter({
  name: 'ledger',
  emit: (_report, ctx) => {
    ledgerCalls.push(ctx.idempotencyKey);
    if (ledgerKept.has(ctx.idempotencyKey)) return { status: 'delivered', detail: 'already delivered (same key)' };
    ledgerKept.add(ctx.idempotencyKey);
    return { status: 'delivered' };
  },
});

/** An emitter that blocks while `gate` is pending: an attempt still running. */
let gate: Promise<void> = Promise.resolve();
let slowCalls = 0;
const slow = defineEmitter({
  name: 'slow',
  emit: async () => {
    slowCalls++;
    await gate;
    return { status: 'delivered' };
  },
});

/** Fails the next bookkeeping write that records a `ledger` delivery, once, after the delivery happened. */
let failNextLedgerRecord = false;
let failedRecords = 0;

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: { ALERTWARDEN_EMITTERS: 'file,ledger,slow' },
    extraEmitters: [ledger, slow],
  });
  pipeline.runtime.clients.dynamodb.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { UpdateExpression?: string; Key?: unknown; ExpressionAttributeValues?: unknown };
      const text = JSON.stringify([input.Key, input.ExpressionAttributeValues]);
      if (failNextLedgerRecord && input.UpdateExpression?.startsWith('SET #status = :status') && text.includes('#ledger') && text.includes('"delivered"')) {
        failNextLedgerRecord = false;
        failedRecords++;
        throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' });
      }
      return next(args);
    },
    { step: 'build', name: 'failLedgerBookkeeping' },
  );
});

afterAll(async () => {
  await pipeline?.stop();
});

const runAlert = async (key: string) => {
  await pipeline.runtime.publish([JSON.stringify({ detector: 'e2e', rule_id: 'delivery', alert_key: key })]);
  await pipeline.runtime.drain();
  const views = (await pipeline.runtime.reports()).filter((v) => v.report.alert_key === key);
  assert.equal(views.length, 1);
  return views[0]!;
};

test('the bookkeeping write fails after a delivery: the retry carries the same key and the report says delivered once', async (t) => {
  const { runtime } = pipeline;
  const repeatedBefore = runtime.metrics.get('EmissionsRepeated');
  failNextLedgerRecord = true;
  const view = await runAlert('bookkeeping-fails');
  const key = emissionKeyOf(view.report.id, view.report.version, 'ledger');
  const calls = ledgerCalls.filter((k) => k === key).length;
  const ledgerEmissions = view.emissions.filter((e) => e.emitter === 'ledger' && e.version === view.report.version);
  reportAlertMetrics(t, { sent: 1, inReports: view.report.alerts.length, notes: `ledger calls ${calls}, failed bookkeeping writes ${failedRecords}` });
  assert.equal(failedRecords, 1, 'the fault was injected');
  assert.equal(calls, 2, 'the emit step was retried after its bookkeeping failed');
  assert.deepEqual([...ledgerKept].filter((k) => k === key), [key], 'the target kept one delivery');
  assert.deepEqual(ledgerEmissions.map((e) => e.status), ['delivered']);
  assert.equal(runtime.metrics.get('EmissionsRepeated') - repeatedBefore, 1, 'the second attempt is counted as a possible repeat');
  assert.deepEqual(await runtime.pipelineFailures(), []);
});

/** How an attempt ended within `ms`: 'delivered' / 'skipped', an error name, or 'still running'. */
const settleWithin = (attempt: Promise<{ status: string }>, ms: number): Promise<string> =>
  Promise.race([
    attempt.then(
      (r) => r.status,
      (e: Error) => e.name,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms)),
  ]);

test('a second attempt while the first is still delivering is refused, not delivered twice', async () => {
  const { runtime } = pipeline;
  let open!: () => void;
  gate = new Promise<void>((resolve) => (open = resolve));
  try {
    const callsBefore = slowCalls;
    await runtime.publish([JSON.stringify({ detector: 'e2e', rule_id: 'delivery', alert_key: 'slow-emitter' })]);
    for (let i = 0; i < 500 && slowCalls === callsBefore; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(slowCalls, callsBefore + 1, 'the pipeline started delivering through the slow emitter');
    const [state] = (await Promise.all((await runtime.deps.store.listReportIds()).map((id) => runtime.deps.store.getState(id)))).filter(
      (s) => s?.alert_key === 'slow-emitter',
    );
    const attempt = { reportId: state!.reportId, version: state!.version, emitter: 'slow' };
    const second = await settleWithin(emitReport(attempt, runtime.deps), 5_000);
    const calls = slowCalls - callsBefore;
    assert.equal(second, 'EmissionInProgressError', `the second attempt ended as ${second}; emitter calls ${calls}`);
    assert.equal(calls, 1, 'the refused attempt did not call the emitter');

    open();
    gate = Promise.resolve();
    await runtime.drain();
    const [view] = (await runtime.reports()).filter((v) => v.report.alert_key === 'slow-emitter');
    assert.deepEqual(view!.emissions.filter((e) => e.emitter === 'slow').map((e) => e.status), ['delivered']);
    assert.deepEqual(await emitReport(attempt, runtime.deps), { status: 'skipped' }, 'once delivered, later attempts skip');
    assert.equal(slowCalls, callsBefore + 1);
  } finally {
    open();
    gate = Promise.resolve();
  }
});

test('an attempt that died holding its lease is taken over once the lease runs out, with the same key', async () => {
  const { runtime } = pipeline;
  const view = await runAlert('dead-attempt');
  // A version no step has emitted yet, archived like a review would.
  const report = { ...view.report, version: view.report.version + 100 };
  await runtime.deps.archive.put(report);
  const attempt = { reportId: report.id, version: report.version, emitter: 'ledger' };
  const deadUntil = runtime.deps.now() + 1_000;
  const claim = await runtime.deps.store.claimEmission(report.id, 'ledger', report.version, { token: 'attempt-that-died', untilMs: deadUntil });
  assert.deepEqual(claim, { outcome: 'claimed', attempt: 1 });

  await assert.rejects(emitReport(attempt, runtime.deps), { name: 'EmissionInProgressError' });
  const key = emissionKeyOf(report.id, report.version, 'ledger');
  assert.equal(ledgerCalls.filter((k) => k === key).length, 0, 'not delivered while the lease runs');

  while (runtime.deps.now() <= deadUntil) await new Promise((r) => setTimeout(r, 50));
  const repeatedBefore = runtime.metrics.get('EmissionsRepeated');
  assert.deepEqual(await emitReport(attempt, runtime.deps), { status: 'delivered' });
  assert.deepEqual(ledgerCalls.filter((k) => k === key), [key]);
  assert.equal(runtime.metrics.get('EmissionsRepeated') - repeatedBefore, 1);
  const emissions = (await runtime.deps.store.listEmissions(report.id)).filter((e) => e.emitter === 'ledger' && e.version === report.version);
  assert.deepEqual(emissions.map((e) => e.status), ['delivered']);
});
