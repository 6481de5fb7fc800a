/**
 * The round lifecycle's contract (claim, finish, fail, schedule a re-drive, re-drive, the sweep
 * index), run against every store: DynamoDB on dynalite through the real SDK, and the in-memory one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReportStore } from '../core/store.ts';

export interface RoundStoreUnderTest {
  store: ReportStore;
  stop(): Promise<void>;
}

const DEADLINE_MS = 60_000;

export const describeRoundLifecycleContract = (
  name: string,
  make: (options: { roundDeadlineMs: number; now: () => number }) => Promise<RoundStoreUnderTest>,
): void => {
  let subject: RoundStoreUnderTest;
  let store: ReportStore;
  let nowMs = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    subject = await make({ roundDeadlineMs: DEADLINE_MS, now: () => nowMs });
    store = subject.store;
  });

  afterAll(async () => {
    await subject?.stop();
  });

  const openReport = async (key: string) =>
    store.openReport({ alertId: `alert-${key}`, alert: { detector: 'd', rule_id: 'r', alert_key: key, attributes: [] } as never, nowMs, windowMs: 3_600_000 });

  describe(`round lifecycle and the sweep index: ${name}`, () => {
    test('a claimed round is watched until its deadline; a round that finishes is no longer watched', async () => {
      const { reportId } = await openReport('finishes');
      expect((await store.listSweepable(Number.MAX_SAFE_INTEGER)).map((d) => d.reportId)).not.toContain(reportId);
      const claimed = await store.claimRound(reportId);
      expect(claimed?.sweepAt).toBe(nowMs + DEADLINE_MS);
      expect((await store.listSweepable(nowMs + DEADLINE_MS - 1)).map((d) => d.reportId)).not.toContain(reportId);
      expect((await store.listSweepable(nowMs + DEADLINE_MS)).map((d) => d.reportId)).toContain(reportId);
      // The final review's snapshot clears `dirty` (claimRound sets it): then the round may end.
    await store.beginReview(reportId, 'final');
    const finished = await store.finishRound(reportId, 1);
      expect(finished.running).toBe(false);
      expect(finished.sweepAt).toBeUndefined();
      expect((await store.listSweepable(Number.MAX_SAFE_INTEGER)).map((d) => d.reportId)).not.toContain(reportId);
    });

    test('a report started with its first round claimed is watched from that write on, and equals a claimed round', async () => {
      const alert = { detector: 'd', rule_id: 'r', rule_name: 'Rule', alert_key: 'started', attributes: [] } as never;
      const window = await store.openWindow({ alertId: 'alert-started', alert, nowMs, windowMs: 3_600_000 });
      expect(await store.getState(window.reportId), 'a window alone writes no report state').toBeUndefined();
      const started = await store.startReport(window, alert);
      expect(started).toMatchObject({ reportId: window.reportId, alertId: 'alert-started', rule_name: 'Rule', alert_key: 'started', running: true, round: 1, startedRound: 0, dirty: true, version: 0, sweepAt: nowMs + DEADLINE_MS });
      expect(await store.getState(window.reportId)).toEqual(started);
      expect((await store.listSweepable(nowMs + DEADLINE_MS)).map((d) => d.reportId)).toContain(window.reportId);
      expect(await store.startReport(window, alert), 'a second start finds the state').toBeUndefined();
      expect(await store.claimRound(window.reportId), 'held by the round it started with').toBeUndefined();
      // The same state as opening the report and claiming its round in two writes.
      const { reportId: other } = await openReport('claimed');
      const claimed = await store.claimRound(other);
      const shape = (s: object | undefined) => Object.keys(s ?? {}).filter((k) => !['reportId', 'alertId', 'alert_key', 'rule_name'].includes(k)).sort();
      expect(shape(started)).toEqual(shape(claimed));
      await store.beginReview(window.reportId, 'final');
      expect((await store.finishRound(window.reportId, 1)).running).toBe(false);
      expect((await store.listSweepable(Number.MAX_SAFE_INTEGER)).map((d) => d.reportId)).not.toContain(window.reportId);
    });

    test('a failed round keeps the report and is due at its retry time; re-driving it is a new round, once', async () => {
      const { reportId } = await openReport('fails');
      await store.claimRound(reportId);
      expect(await store.scheduleRedrive(reportId, 2, nowMs + 5_000, 'not the current round')).toBeUndefined();
      const scheduled = await store.scheduleRedrive(reportId, 1, nowMs + 5_000, 'States.Timeout: round step');
      expect(scheduled).toMatchObject({ running: true, round: 1, sweepAt: nowMs + 5_000, lastError: 'States.Timeout: round step' });
      expect((await store.listSweepable(nowMs + 5_000)).map((d) => d.reportId)).toContain(reportId);

      nowMs += 5_000;
      const redriven = await store.redriveRound(reportId, 1);
      expect(redriven).toMatchObject({ running: true, round: 2, redrives: 1, sweepAt: nowMs + DEADLINE_MS });
      // A second sweeper, or a retried call, finds round 1 gone: nothing happens twice.
      expect(await store.redriveRound(reportId, 1)).toBeUndefined();
      expect((await store.getState(reportId))?.round).toBe(2);

      // The re-driven round finishes: the failure count and error go with it.
      await store.beginReview(reportId, 'final');
    const finished = await store.finishRound(reportId, 2);
      expect(finished).toMatchObject({ running: false });
      expect(finished.redrives).toBeUndefined();
      expect(finished.lastError).toBeUndefined();
    });

    test('a report given up on is released with its error and leaves the index', async () => {
      const { reportId } = await openReport('given-up');
      await store.claimRound(reportId);
      const released = await store.failRound(reportId, 'ConfigError: policy unreadable');
      expect(released).toMatchObject({ running: false, lastError: 'ConfigError: policy unreadable' });
      expect(released.sweepAt).toBeUndefined();
      expect((await store.listSweepable(Number.MAX_SAFE_INTEGER)).map((d) => d.reportId)).not.toContain(reportId);
    });
  });

};
