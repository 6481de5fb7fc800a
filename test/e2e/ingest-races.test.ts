/**
 * Ingest batches racing on one alert id, as concurrent Lambda containers do: each "container"
 * is its own view of one shared store (its own window memory, its own clock), and the
 * steps of core/pipeline/ingest.ts are interleaved on purpose by holding a store call until
 * the other batch has reached a given point. Run on both stores: the DynamoDB adapter on
 * dynalite, and the memory store of `--store memory`.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { alertIdOf } from '../../core/ids.ts';
import { ingestAlerts, type IngestFailure, type IngestOutcome } from '../../core/pipeline/ingest.ts';
import type { Alert } from '../../core/alert.ts';
import type { ReportStore } from '../../core/store.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

describe.each(['dynamodb', 'memory'] as const)('ingest races, %s store', (storage) => {
  let pipeline: TestPipeline;
  let runtime: LocalRuntime;
  /** Conditional PutItems of a report state (sk META) that failed: the write a racing batch should not attempt. */
  let failedStatePuts = 0;

  beforeAll(async () => {
    pipeline = await startTestPipeline({ sweeper: false, storage });
    runtime = pipeline.runtime;
    // The memory store sends nothing here; its count stays 0 and statesFound below speaks for it.
    runtime.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          const item = (args.input as { Item?: { sk?: unknown } }).Item;
          const sk = typeof item?.sk === 'object' && item.sk !== null ? (item.sk as { S?: string }).S : item?.sk;
          if (context.commandName === 'PutItemCommand' && sk === 'META' && (error as Error).name === 'ConditionalCheckFailedException') failedStatePuts++;
          throw error;
        }
      },
      { step: 'initialize', name: 'countFailedStatePuts' },
    );
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  /** startReport calls that found the state already written: a state write a racing batch could have skipped. */
  let statesFound = 0;

  /** A Lambda container's view of the store: the same table, its own window memory (keyed by store object) and its own clock. */
  const container = (clockMs: number) => {
    const store = Object.create(runtime.deps.store) as ReportStore;
    const startReport = runtime.deps.store.startReport;
    store.startReport = async function (window, alert) {
      const state = await startReport.call(this, window, alert);
      if (state === undefined) statesFound++;
      return state;
    };
    const clock = { now: clockMs };
    return { store, clock, ingest: (alerts: Alert[]) => ingestAlerts(alerts, { ...runtime.deps, store, now: () => clock.now }) };
  };

  const alertOf = (key: string, description: string): Alert =>
    ({ detector: 'races', rule_id: 'r', alert_key: key, description, attributes: [{ type: 'ipaddr', key: 'remote', value: '192.0.2.7', context: ['remote'] }] }) as Alert;

  const ok = (outcome: IngestOutcome | IngestFailure | undefined): IngestOutcome => {
    assert.ok(outcome && !('failed' in outcome), `ingested: ${outcome && 'failed' in outcome ? String(outcome.failed) : 'no outcome'}`);
    return outcome;
  };

  /** The final report(s) of an alert key, each with its members' descriptions as the store holds them. */
  const reportsOf = async (key: string) => {
    const views = (await runtime.reports()).filter((v) => v.report.alert_key === key);
    return Promise.all(
      views.map(async (v) => ({
        id: v.report.id,
        phase: v.report.phase,
        reviewed: v.report.alerts.map((a) => a.description).sort(),
        members: (await runtime.deps.store.loadSnapshot(v.report.id)).alerts.map((a) => a.description).sort(),
      })),
    );
  };

  test('two batches open the same alert id at once: the loser reads the state the winner wrote, no failed state write, both alerts in one report', async (t) => {
    const key = 'race-state-read';
    const now = Date.now();
    const winner = container(now);
    // A later clock: the window the loser finds is not one it created.
    const loser = container(now + 7);
    const bothLookedUp = { winner: gate(), loser: gate() };
    const winnerDone = gate();
    const lookup = runtime.deps.store.findOpenReports;
    winner.store.findOpenReports = async function (alertIds, nowMs) {
      const found = await lookup.call(this, alertIds, nowMs);
      bothLookedUp.winner.open();
      await bothLookedUp.loser.opened;
      return found;
    };
    loser.store.findOpenReports = async function (alertIds, nowMs) {
      const found = await lookup.call(this, alertIds, nowMs);
      bothLookedUp.loser.open();
      await winnerDone.opened; // the winner opens the window, adds its member and starts the report meanwhile
      return found;
    };
    const failedBefore = failedStatePuts;
    const foundBefore = statesFound;
    // Rounds wait until both batches are in, as the SQS poller's batches do: what a round does meanwhile is not raced here.
    runtime.engine.hold();
    const [[first], [second]] = await Promise.all([
      winner.ingest([alertOf(key, 'winner')]).finally(winnerDone.open),
      loser.ingest([alertOf(key, 'loser')]),
    ]).finally(() => runtime.engine.release());
    const failedPuts = failedStatePuts - failedBefore;
    const found = statesFound - foundBefore;
    await runtime.drain();
    const reports = await reportsOf(key);
    reportAlertMetrics(t, { sent: 2, inReports: reports.reduce((n, r) => n + r.reviewed.length, 0), notes: `${found} state write(s) that found the state, ${failedPuts} failed conditional state PutItem(s); reports ${JSON.stringify(reports)}` });
    assert.equal(ok(second).reportId, ok(first).reportId, 'the loser joined the winner’s report');
    assert.equal(ok(first).startedRound, 1, 'the winner started the first round');
    assert.equal(found, 0, 'the loser read the winner’s state instead of trying to write it');
    assert.equal(failedPuts, 0, 'no failed conditional PutItem of the state');
    assert.deepEqual(reports, [{ id: ok(first).reportId, phase: 'final', reviewed: ['loser', 'winner'], members: ['loser', 'winner'] }]);
  });

  test('two batches open the same alert id at once, the loser writing the state first: the winner reads it back, both alerts in one report', async (t) => {
    const key = 'race-loser-starts';
    const now = Date.now();
    const winner = container(now);
    const loser = container(now + 7);
    const bothLookedUp = { winner: gate(), loser: gate() };
    const winnerOpened = gate();
    const loserDone = gate();
    const lookup = runtime.deps.store.findOpenReports;
    const openWindow = runtime.deps.store.openWindow;
    const startReport = winner.store.startReport;
    winner.store.findOpenReports = async function (alertIds, nowMs) {
      const found = await lookup.call(this, alertIds, nowMs);
      bothLookedUp.winner.open();
      await bothLookedUp.loser.opened;
      return found;
    };
    winner.store.openWindow = async function (input) {
      const window = await openWindow.call(this, input);
      winnerOpened.open();
      return window;
    };
    winner.store.startReport = async function (window, alert) {
      await loserDone.opened; // the loser finds no state yet, so it writes it
      return startReport.call(this, window, alert);
    };
    loser.store.findOpenReports = async function (alertIds, nowMs) {
      const found = await lookup.call(this, alertIds, nowMs);
      bothLookedUp.loser.open();
      await winnerOpened.opened;
      return found;
    };
    // Held: a first round done before the winner reads the state would make it claim a second one (correct, but another path).
    runtime.engine.hold();
    const [[first], [second]] = await Promise.all([
      winner.ingest([alertOf(key, 'winner')]),
      loser.ingest([alertOf(key, 'loser')]).finally(loserDone.open),
    ]).finally(() => runtime.engine.release());
    await runtime.drain();
    const reports = await reportsOf(key);
    reportAlertMetrics(t, { sent: 2, inReports: reports.reduce((n, r) => n + r.reviewed.length, 0), notes: `reports ${JSON.stringify(reports)}` });
    assert.equal(ok(first).reportId, ok(second).reportId);
    assert.equal(ok(second).startedRound, 1, 'the loser started the first round');
    assert.equal(ok(first).startedRound, undefined, 'one round for both');
    assert.deepEqual(reports, [{ id: ok(first).reportId, phase: 'final', reviewed: ['loser', 'winner'], members: ['loser', 'winner'] }]);
    assert.deepEqual(runtime.engine.failures, []);
  });

  test('a redelivered member of a report without state, whose alert id has another window by then: not started with that window, redelivered into it', async (t) => {
    const key = 'window-changed';
    const alertId = alertIdOf({ detector: 'races', rule_id: 'r', alert_key: key });
    const windowMs = runtime.deps.config.aggregationWindowSeconds * 1000;
    const t0 = Date.now();
    const early = alertOf(key, 'early');
    const late = alertOf(key, 'late');
    const fault = (name: string) => Object.assign(new Error('Throughput exceeds the current capacity'), { name });

    // Container A opens report R1 and writes the membership; its state write fails (the pointer is left without state).
    const a = container(t0);
    const startReport = a.store.startReport;
    a.store.startReport = async () => {
      throw fault('ProvisionedThroughputExceededException');
    };
    const [firstTry] = await a.ingest([early]);
    assert.ok(firstTry && 'failed' in firstTry, 'the state write failed: the message is redelivered');
    const [r1] = (await runtime.deps.store.findOpenReports([alertId], t0)).values();
    assert.ok(r1);

    // Container B, its clock past R1's window, opens R2 and fails before its membership.
    const b = container(t0 + windowMs + 1_000);
    b.store.addMembers = async () => {
      throw fault('InternalServerError');
    };
    const [lateTry] = await b.ingest([late]);
    assert.ok(lateTry && 'failed' in lateTry);
    const [r2] = (await runtime.deps.store.findOpenReports([alertId], t0 + windowMs + 1_000)).values();
    assert.ok(r2 && r2 !== r1, 'the pointer now names R2');

    // A's redelivery, its clock still inside R1's window (it remembers R1): R1 has no state, the pointer names R2.
    a.store.startReport = startReport;
    a.clock.now = t0 + windowMs - 1_000;
    const [redelivered] = await a.ingest([early]);
    const r2State = await runtime.deps.store.getState(r2);
    const r1State = await runtime.deps.store.getState(r1);
    reportAlertMetrics(t, {
      sent: 2,
      inReports: 0,
      notes: `redelivery in the changed window: ${redelivered && 'failed' in redelivered ? (redelivered.failed as Error).name : JSON.stringify(redelivered)}; R2 state ${JSON.stringify(r2State && { round: r2State.round, running: r2State.running })}`,
    });
    assert.equal(r2State, undefined, 'R2, still without a member, got no state and no round from R1’s member');
    assert.equal(r1State, undefined, 'R1 is not started with another report’s window');
    assert.ok(redelivered && 'failed' in redelivered, 'the member waits for the next redelivery');
    assert.equal((redelivered.failed as Error).name, 'ReportNotFoundError');

    // Later deliveries, every clock past R1's window: both alerts in R2, reviewed.
    delete (b.store as Partial<ReportStore>).addMembers;
    a.clock.now = b.clock.now = t0 + windowMs + 2_000;
    const [earlyAgain] = await a.ingest([early]);
    const [lateAgain] = await b.ingest([late]);
    await runtime.drain();
    const reports = await reportsOf(key);
    reportAlertMetrics(t, { sent: 2, inReports: reports.reduce((n, r) => n + r.reviewed.length, 0), notes: `reports ${JSON.stringify(reports)}` });
    assert.equal(ok(earlyAgain).reportId, r2);
    assert.equal(ok(lateAgain).reportId, r2);
    assert.deepEqual(reports, [{ id: r2, phase: 'final', reviewed: ['early', 'late'], members: ['early', 'late'] }]);
    assert.deepEqual(runtime.engine.failures, []);
  });
});
