/**
 * Ingest under faults: a failed execution start and an unreachable DynamoDB are retried
 * through SQS redelivery, and every alert still ends in exactly one report (deepalert
 * defect 2: a failed start left the report unreviewed forever).
 */
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, test } from 'vitest';
import { alertIdOf } from '../../core/ids.ts';
import type { ReportStore } from '../../core/store.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { deliveredAlerts, reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let runtime: LocalRuntime;
const failStartsFor = new Set<string>();
let failedStarts = 0;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    redeliveryDelayMs: 500,
    // Off here: the sweeper would rescue a dropped start too, and hide a broken redelivery path.
    sweeper: false,
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
  runtime = pipeline.runtime;
});

afterAll(async () => {
  await pipeline?.stop();
});

const alertFor = (key: string, n = 0) =>
  JSON.stringify({ detector: 'faults', rule_id: 'r', alert_key: key, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() });

const reportFor = async (key: string) => {
  const views = await runtime.reports();
  return views.filter((v) => v.report.alert_key === key);
};

test('a failed StartExecution is retried by SQS redelivery: the alert is reviewed and its report delivered', async (t) => {
  // Learn the report id the alert will open, then make its first start fail.
  await runtime.publish([alertFor('start-fails-probe')]);
  await runtime.drain();
  const reportIds = new Set((await runtime.reports()).map((v) => v.report.id));
  const original = runtime.deps.store.openWindow.bind(runtime.deps.store);
  runtime.deps.store.openWindow = async (input) => {
    const window = await original(input);
    if (!reportIds.has(window.reportId)) {
      reportIds.add(window.reportId);
      failStartsFor.add(window.reportId);
    }
    return window;
  };
  const message = alertFor('start-fails');
  try {
    await runtime.publish([message]);
    await runtime.drain();
  } finally {
    runtime.deps.store.openWindow = original;
  }
  const emitted = (await pipeline.emitted()).filter((r) => r.alert_key === 'start-fails');
  const delivery = deliveredAlerts([message], emitted);
  reportAlertMetrics(t, { sent: 1, inReports: delivery.delivered });
  assert.equal(failedStarts, 1, 'the first start failed');
  // What the emitter received, not what the store holds: a reviewed, final version with the alert.
  assert.deepEqual(delivery.lost, [], 'the alert is in the last emitted version of its report');
  assert.deepEqual(delivery.notFinal, []);
  const last = emitted.at(-1)!;
  assert.ok(last.verdict?.severity, 'the emitted version carries a verdict');
  const [view] = await reportFor('start-fails');
  assert.equal(view!.unreviewed, undefined);
  assert.deepEqual(
    view!.emissions.filter((e) => e.version === last.version).map((e) => [e.emitter, e.status]),
    [['file', 'delivered']],
  );
  assert.equal(runtime.deadLetters.length, 0);
});

test('DynamoDB unreachable during ingest: messages are retried, and once it is back every alert is in exactly one report', async (t) => {
  await runtime.servers.pauseDynamoDb();
  const messages = Array.from({ length: 12 }, (_, n) => alertFor(`outage-${n % 3}`, n));
  const publishing = runtime.publish(messages);
  await new Promise((r) => setTimeout(r, 1000));
  await runtime.servers.resumeDynamoDb();
  await publishing;
  await runtime.drain();
  const delivery = deliveredAlerts(messages, await pipeline.emitted());
  reportAlertMetrics(t, { sent: messages.length, inReports: delivery.delivered });
  const counts = await Promise.all([0, 1, 2].map(async (k) => (await reportFor(`outage-${k}`)).map((v) => v.report.alerts.length)));
  assert.deepEqual(delivery.lost, []);
  assert.deepEqual(counts, [[4], [4], [4]]);
  assert.ok(runtime.redeliveries > 0, 'the outage outlasted the SDK retries, so SQS redelivery did the rest');
  assert.equal(runtime.deadLetters.length, 0);
  assert.equal(runtime.engine.failures.length, 0);
});

/** Members written for a report, read from the table itself: loadSnapshot needs the report state, which may not exist yet. */
const membersAt = async (reportId: string) =>
  (
    await runtime.clients.dynamodb.send(
      new QueryCommand({
        TableName: runtime.deps.config.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :alert)',
        ExpressionAttributeValues: { ':pk': { S: `REPORT#${reportId}` }, ':alert': { S: 'ALERT#' } },
        Select: 'COUNT',
      }),
    )
  ).Count ?? 0;

test("a new report's state is written after its memberships: a start that fails before or after its write is redelivered, the pointer repaired, every alert reviewed once", async (t) => {
  const { store } = runtime.deps;
  const before = JSON.stringify({ detector: 'faults', rule_id: 'r', alert_key: 'state-fails-before-write' });
  const after = JSON.stringify({ detector: 'faults', rule_id: 'r', alert_key: 'state-lost-after-write' });
  const failing = new Map([
    [alertIdOf(JSON.parse(before)), 'before'],
    [alertIdOf(JSON.parse(after)), 'after'],
  ]);
  const watched = new Set(failing.keys());
  /** Every point where a round gets claimed, with the report's members and state as the store holds them then. */
  const observed: { call: string; alertId: string; reportId: string; members: number; stateBefore: boolean }[] = [];
  const original = { startReport: store.startReport.bind(store), claimRound: store.claimRound.bind(store) };
  const patched: ReportStore = store;
  patched.startReport = async (window, alert) => {
    const alertId = window.alertId;
    if (watched.has(alertId)) {
      observed.push({ call: 'startReport', alertId, reportId: window.reportId, members: await membersAt(window.reportId), stateBefore: (await store.getState(window.reportId)) !== undefined });
    }
    const fault = failing.get(alertId);
    failing.delete(alertId);
    if (fault === 'before') throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
    const state = await original.startReport(window, alert);
    // The write landed, its response did not (a Lambda timeout, a dropped connection).
    if (fault === 'after') throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    return state;
  };
  patched.claimRound = async (reportId) => {
    const state = await store.getState(reportId);
    if (state && watched.has(state.alertId)) {
      observed.push({ call: 'claimRound', alertId: state.alertId, reportId, members: await membersAt(reportId), stateBefore: true });
    }
    return original.claimRound(reportId);
  };
  const redeliveries = runtime.redeliveries;
  try {
    await runtime.publish([before, after]);
    await runtime.drain();
  } finally {
    patched.startReport = original.startReport;
    patched.claimRound = original.claimRound;
  }
  const emitted = (await pipeline.emitted()).filter((r) => r.alert_key?.startsWith('state-'));
  const delivery = deliveredAlerts([before, after], emitted);
  reportAlertMetrics(t, { sent: 2, inReports: delivery.delivered, notes: `${runtime.redeliveries - redeliveries} redeliveries; observed: ${JSON.stringify(observed)}` });
  assert.deepEqual(observed.filter((o) => o.members === 0), [], 'no round claimed for a report without a member');
  // The first start of each report came after its membership, and found no state: the window pointer alone.
  for (const key of ['state-fails-before-write', 'state-lost-after-write']) {
    const calls = observed.filter((o) => o.alertId === alertIdOf({ detector: 'faults', rule_id: 'r', alert_key: key } as never));
    assert.ok(calls.length > 0, `${key}: a round was claimed`);
    assert.deepEqual(calls[0], { ...calls[0], call: 'startReport', members: 1, stateBefore: false }, `${key}: state written after the membership`);
  }
  // The redelivery of the start that failed before its write repaired the pointer: state still absent then, the member there.
  const repaired = observed.filter((o) => o.alertId === alertIdOf(JSON.parse(before)));
  assert.deepEqual(repaired.map((o) => [o.call, o.members, o.stateBefore]), [['startReport', 1, false], ['startReport', 1, false]]);
  assert.equal(failing.size, 0, 'both faults were injected');
  assert.equal(runtime.redeliveries - redeliveries, 2, 'each failed start sent its message again');
  assert.deepEqual(delivery.lost, []);
  assert.deepEqual(delivery.notFinal, []);
  for (const key of ['state-fails-before-write', 'state-lost-after-write']) {
    const views = await reportFor(key);
    assert.equal(views.length, 1, `${key}: one report`);
    assert.equal(views[0]!.report.alerts.length, 1, `${key}: the alert once`);
    assert.equal(views[0]!.unreviewed, undefined);
    assert.ok(views[0]!.report.verdict?.severity, `${key}: reviewed`);
    const state = await store.getState(views[0]!.report.id);
    assert.deepEqual({ running: state?.running, dirty: state?.dirty }, { running: false, dirty: false });
  }
  assert.equal(runtime.deadLetters.length, 0);
  assert.deepEqual(runtime.engine.failures, []);
});
