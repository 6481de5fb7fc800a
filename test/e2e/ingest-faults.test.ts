/**
 * Ingest under faults: a failed execution start and an unreachable DynamoDB are retried
 * through SQS redelivery, and every alert still ends in exactly one report (deepalert
 * defect 2: a failed start left the report unreviewed forever).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { LocalRuntime } from '../../local/runtime.ts';
import { reportAlertMetrics } from '../support/metrics.ts';

let runtime: LocalRuntime;
const failStartsFor = new Set<string>();
let failedStarts = 0;

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    redeliveryDelayMs: 500,
    env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0', ALERTWARDEN_EMITTERS: 'file', ALERTWARDEN_FILE_EMITTER_PATH: '/dev/null' },
    wrapStarter: (engine) => ({
      start: async (name, input) => {
        if (failStartsFor.delete(input.reportId)) {
          failedStarts++;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return engine.start(name, input);
      },
    }),
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const alertFor = (key: string, n = 0) =>
  JSON.stringify({ detector: 'faults', rule_id: 'r', alert_key: key, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() });

const reportFor = async (key: string) => {
  const views = await runtime.reports();
  return views.filter((v) => v.report.alert_key === key);
};

test('a failed StartExecution is retried by SQS redelivery and the report is still reviewed', async (t) => {
  // Learn the report id the alert will open, then make its first start fail.
  await runtime.publish([alertFor('start-fails-probe')]);
  await runtime.drain();
  const reportIds = new Set((await runtime.reports()).map((v) => v.report.id));
  const original = runtime.deps.store.openReport.bind(runtime.deps.store);
  runtime.deps.store.openReport = async (input) => {
    const state = await original(input);
    if (!reportIds.has(state.reportId)) {
      reportIds.add(state.reportId);
      failStartsFor.add(state.reportId);
    }
    return state;
  };
  try {
    await runtime.publish([alertFor('start-fails')]);
    await runtime.drain();
  } finally {
    runtime.deps.store.openReport = original;
  }
  assert.equal(failedStarts, 1);
  const views = await reportFor('start-fails');
  assert.equal(views.length, 1);
  assert.equal(views[0]!.report.phase, 'final');
  reportAlertMetrics(t, { sent: 1, inReports: views[0]?.report.alerts.length ?? 0 });
  assert.equal(views[0]!.report.alerts.length, 1);
  assert.equal(runtime.deadLetters.length, 0);
});

test('DynamoDB unreachable during ingest: messages are retried, and once it is back every alert is in exactly one report', async (t) => {
  await runtime.servers.pauseDynamoDb();
  const publishing = runtime.publish(Array.from({ length: 12 }, (_, n) => alertFor(`outage-${n % 3}`, n)));
  await new Promise((r) => setTimeout(r, 1000));
  await runtime.servers.resumeDynamoDb();
  await publishing;
  await runtime.drain();
  const counts = await Promise.all([0, 1, 2].map(async (k) => (await reportFor(`outage-${k}`)).map((v) => v.report.alerts.length)));
  reportAlertMetrics(t, { sent: 12, inReports: counts.flat().reduce((a, b) => a + b, 0) });
  assert.deepEqual(counts, [[4], [4], [4]]);
  assert.ok(runtime.redeliveries > 0, 'the outage outlasted the SDK retries, so SQS redelivery did the rest');
  assert.equal(runtime.deadLetters.length, 0);
  assert.equal(runtime.engine.failures.length, 0);
});
