/**
 * Urgent reports page at once: emitted by the triage round, before the aggregation wait even
 * begins, then updated (same report id) after the final review; a low report is emitted only
 * after the wait. Proved by the order of events (states the engine entered, emits the emitters
 * received), not by wall-clock bounds, so a loaded machine slows the test without failing it.
 * The wait is 6 s: the alerts a test sends to join a report arrive within it with room to spare.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { defineEmitter } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';
import { describeChange } from '../../core/summary.ts';
import { LocalRuntime } from '../../local/runtime.ts';

const WAIT_SECONDS = 6;
let runtime: LocalRuntime;

/** Everything that happened, in order: pipeline states entered per report, and emits received. */
type Happening = { what: 'entered'; state: string; reportId: string } | { what: 'emitted'; report: Report };
const timeline: Happening[] = [];
const recorder = defineEmitter({
  name: 'recorder',
  emit: (report) => {
    timeline.push({ what: 'emitted', report });
    return { status: 'delivered' };
  },
});

const emitsFor = (key: string) => timeline.flatMap((h) => (h.what === 'emitted' && h.report.alert_key === key ? [h.report] : []));
const positionOf = (match: (h: Happening) => boolean, what: string) => {
  const at = timeline.findIndex(match);
  assert.ok(at >= 0, `${what} never happened`);
  return at;
};
const emitted = (report: Report) => positionOf((h) => h.what === 'emitted' && h.report === report, `emit of ${report.alert_key} v${report.version}`);
const isEntry = (reportId: string, state: string) => (h: Happening) => h.what === 'entered' && h.reportId === reportId && h.state === state;
/** Where the first pipeline execution of this report entered `state`. */
const entered = (reportId: string, state: string) => positionOf(isEntry(reportId, state), `${state} of ${reportId}`);

/** Stands in for quarantine: acts, so it must never see a preliminary verdict. */
const acted: Report[] = [];
const actor = defineEmitter({
  name: 'actor',
  receivesPreliminary: false,
  emit: (report) => {
    acted.push(report);
    return { status: 'delivered' };
  },
});

/** Polls for a condition; the bound only turns a hang into a failure, it is no speed target. */
const until = async (condition: () => boolean, what: string) => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 300_000) assert.fail(`${what}: still not after 5 minutes`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const alert = (key: string, ruleId: string, ip: string, second: number) =>
  JSON.stringify({
    detector: 'e2e',
    rule_id: ruleId,
    alert_key: key,
    timestamp: new Date(Date.UTC(2026, 10, 23, 3, 0, second)).toISOString(),
    attributes: [{ type: 'ipaddr', key: 'remote', value: ip, context: ['remote'] }],
  });

const carried: { reportId: string; phase: string; state: string; carries: string }[] = [];
const carriedBy = (reportId: string) => carried.filter((c) => c.reportId === reportId).map((c) => `${c.phase} ${c.state}: ${c.carries}`);

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: String(WAIT_SECONDS),
      ALERTWARDEN_BLOCKLISTS: 'examples/blocklists/known-bad.txt',
      ALERTWARDEN_EMITTERS: 'recorder,actor',
    },
    extraEmitters: [recorder, actor],
    onStateEntered: (workflow, state, input) => {
      if (workflow === 'standard') timeline.push({ what: 'entered', state, reportId: (input as { reportId: string }).reportId });
      // What the round carries as its handed-on report (ALERTWARDEN_INLINE_REPORT_MAX_BYTES).
      if (workflow === 'express' && (state === 'ShouldEmit' || state === 'IsFinalReview')) {
        const { reportId, phase, review } = input as { reportId: string; phase: string; review: { Payload: { report: unknown } } };
        const report = review.Payload.report;
        carried.push({ reportId, phase, state, carries: report === null ? 'nothing' : Array.isArray(report) ? 'emit outcomes' : 'the report' });
      }
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
});

test('a critical alert is emitted before the wait, then once more as the final update with the alerts that joined', async () => {
  await runtime.publish([alert('root-1', 'root-console-login', '192.0.2.1', 0)]);
  await until(() => emitsFor('root-1').length > 0, 'the preliminary emit');
  const [preliminary] = emitsFor('root-1');
  assert.equal(preliminary!.phase, 'preliminary');
  assert.equal(preliminary!.verdict?.severity, 'critical');
  const reportId = preliminary!.id;
  await until(() => timeline.some(isEntry(reportId, 'WaitForAggregation')), 'the aggregation wait');
  assert.ok(emitted(preliminary!) < entered(reportId, 'WaitForAggregation'), 'the urgent report was emitted before its aggregation wait began');

  await runtime.publish([1, 2, 3].map((n) => alert('root-1', 'root-console-login', '192.0.2.1', n)));
  await runtime.drain();
  const emits = emitsFor('root-1');
  assert.equal(emits.length, 2, 'one preliminary, one final: never a second unrelated notification');
  const final = emits[1]!;
  assert.equal(final.phase, 'final');
  assert.equal(final.id, reportId);
  assert.ok(emitted(final) > entered(reportId, 'Conclude'), 'the final review waits for aggregation');
  assert.equal(final.alerts.length, 4);
  assert.equal(describeChange(final), 'unchanged at critical: 3 more alerts aggregated');
  assert.deepEqual(
    acted.filter((r) => r.alert_key === 'root-1').map((r) => r.phase),
    ['final'],
    'an emitter that acts (quarantine) is left out of the preliminary fan-out',
  );
  // The report rides in the round's data to the emitters, and is replaced by their outcomes once they have run.
  assert.deepEqual(carriedBy(reportId), [
    'preliminary ShouldEmit: the report',
    'preliminary IsFinalReview: emit outcomes',
    'final ShouldEmit: the report',
    'final IsFinalReview: emit outcomes',
  ]);
});

test('a low alert reaches the emitters once, after the wait', async () => {
  await runtime.publish([alert('quiet-1', 'port-scan', '192.0.2.99', 0)]);
  await runtime.drain();
  const emits = emitsFor('quiet-1');
  assert.deepEqual(emits.map((r) => [r.phase, r.verdict?.severity]), [['final', 'unclassified']]);
  assert.ok(emitted(emits[0]!) > entered(emits[0]!.id, 'Conclude'), 'the low report was not emitted before its aggregation wait ended');
  // The preliminary round emits nothing, so it carries no report.
  assert.deepEqual(carriedBy(emits[0]!.id), [
    'preliminary ShouldEmit: nothing',
    'preliminary IsFinalReview: nothing',
    'final ShouldEmit: the report',
    'final IsFinalReview: emit outcomes',
  ]);
});

test('an update whose severity changed says so: high at first, critical once 10 alerts joined', async () => {
  await runtime.publish([alert('tor-1', 'tor-contact', '203.0.113.7', 0)]);
  await until(() => emitsFor('tor-1').length > 0, 'the preliminary emit');
  const [first] = emitsFor('tor-1');
  await until(() => timeline.some(isEntry(first!.id, 'WaitForAggregation')), 'the aggregation wait');
  assert.ok(emitted(first!) < entered(first!.id, 'WaitForAggregation'), 'the high report was emitted before its aggregation wait began');
  await runtime.publish(Array.from({ length: 10 }, (_, n) => alert('tor-1', 'tor-contact', '203.0.113.7', n + 1)));
  await runtime.drain();
  const [preliminary, final] = emitsFor('tor-1');
  assert.equal(preliminary?.verdict?.severity, 'high');
  assert.equal(final?.verdict?.severity, 'critical');
  assert.equal(describeChange(final!), 'raised from high to critical: 10 more alerts aggregated');
});
