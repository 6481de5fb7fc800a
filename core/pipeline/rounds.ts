/**
 * Rounds: one pipeline execution per report round, named `<reportId>-r<round>`. Ingest
 * starts a round when the report is idle; a finishing round starts the next one when alerts
 * joined after its final snapshot. Both go through `ensureRound`.
 */
import { PluginContractError, ReportNotFoundError } from '../errors.ts';
import { executionNameOf } from '../ids.ts';
import type { ReportState, RoundInput } from '../store.ts';
import type { PipelineDeps } from './deps.ts';
import { describeCaughtError, type CaughtError } from './caught-error.ts';

/** The input of a round's execution: the same for every start of that round under one configuration (starts are idempotent by name and input). */
export const roundInputOf = (reportId: string, round: number, config: PipelineDeps['config']): RoundInput => ({
  reportId,
  round,
  waitSeconds: config.aggregationDelaySeconds,
});

/**
 * A running round picks up new alerts itself (dirty flag); otherwise claim the next round.
 * A claimed round whose start was never confirmed (the start call failed) is started again
 * under the same execution name, which the starter treats as idempotent.
 * Returns the round this call started, if any.
 */
export const ensureRound = async (state: ReportState, deps: Pick<PipelineDeps, 'store' | 'starter' | 'config'>): Promise<number | undefined> => {
  let current = state;
  if (!current.running) {
    const claimed = await deps.store.claimRound(current.reportId);
    if (!claimed) return undefined;
    current = claimed;
  } else if (current.startedRound >= current.round) {
    return undefined;
  }
  await deps.starter.start(executionNameOf(current.reportId, current.round), roundInputOf(current.reportId, current.round, deps.config));
  await deps.store.confirmStarted(current.reportId, current.round);
  return current.round;
};

/** The first alerts a given-up report holds, named in its failure record (an item stays far below 400 KB). */
const NAMED_ALERTS = 50;

/**
 * The end of the road for a report whose rounds kept failing: released, listed with the
 * day's pipeline failures (naming the alerts it holds) and logged as an error for the alarm.
 * The next alert for it starts afresh.
 */
const giveUp = async (state: ReportState, error: string, deps: Pick<PipelineDeps, 'store' | 'logger' | 'now' | 'metrics'>): Promise<void> => {
  const alerts = await deps.store.loadSnapshot(state.reportId).then(
    (snapshot) => snapshot.alerts,
    () => [], // the failure must be recorded even when the members cannot be read
  );
  const released = await deps.store.failRound(state.reportId, error);
  await deps.store.recordFailure({
    kind: 'round',
    reportId: state.reportId,
    round: released.round,
    error,
    failedAt: new Date(deps.now()).toISOString(),
    alertCount: alerts.length,
    alerts: alerts.slice(0, NAMED_ALERTS).map((a) => ({
      fingerprint: a.fingerprint,
      detector: a.detector,
      rule_id: a.rule_id,
      ...(a.alert_key !== undefined ? { alert_key: a.alert_key } : {}),
      ...(a.description !== undefined ? { description: a.description.slice(0, 256) } : {}),
    })),
  });
  deps.metrics.count('RoundsFinallyFailed');
  deps.logger.error('report given up after its rounds kept failing', {
    reportId: state.reportId,
    round: released.round,
    redrives: state.redrives ?? 0,
    alertCount: alerts.length,
    error,
  });
};

/** Back-off before re-driving: the configured base, doubled per re-drive since the last good round. */
export const redriveDelayMs = (redrives: number, baseSeconds: number): number => baseSeconds * 1000 * 2 ** Math.min(redrives, 10);

export type RoundEnd =
  | { nextRound?: number }
  /** A failed round: retried by the sweeper at `retryAt`, or given up on. */
  | { failed: 'retry'; retryAt: string }
  | { failed: 'given-up' };

/**
 * End of a round after its final emit, or after a failure. When alerts joined after the final
 * snapshot, the next round is started here (it triages them, waits, concludes), so the billed
 * Standard workflow never loops. A failed round keeps the report and is re-driven by the
 * sweeper after a back-off, until the re-drives run out: then the report is given up on.
 */
export const finishRound = async (
  input: { reportId: string; round?: number; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'logger' | 'now' | 'config' | 'metrics'>,
): Promise<RoundEnd> => {
  if (input.error) {
    const { error, message } = describeCaughtError(input.error);
    const reason = `${error}: ${message}`;
    deps.logger.error('pipeline round failed', { reportId: input.reportId, round: input.round, error, message });
    deps.metrics.count('RoundsFailed');
    const state = await deps.store.getState(input.reportId);
    if (!state) throw new ReportNotFoundError(input.reportId);
    const round = input.round ?? state.round;
    // A late failure of a round already re-driven or finished: the current one is not ours to change.
    if (!state.running || state.round !== round) return {};
    const redrives = state.redrives ?? 0;
    if (redrives >= deps.config.maxRoundRedrives) {
      await giveUp(state, reason, deps);
      return { failed: 'given-up' };
    }
    const retryAt = deps.now() + redriveDelayMs(redrives, deps.config.roundRetrySeconds);
    await deps.store.scheduleRedrive(input.reportId, round, retryAt, reason);
    return { failed: 'retry', retryAt: new Date(retryAt).toISOString() };
  }
  if (input.round === undefined) throw new PluginContractError('finishing a round needs its number');
  const state = await deps.store.finishRound(input.reportId, input.round);
  if (!state.running || state.round <= input.round) return {};
  await ensureRound(state, deps);
  return { nextRound: state.round };
};

export interface SweepOutcome {
  /** `<reportId>-r<round>` of every round this sweep started. */
  redriven: string[];
  /** Reports given up on: their rounds kept failing. */
  givenUp: string[];
}

/**
 * The sweeper: every report whose round failed (its retry is due) or ran past its deadline
 * gets its next round, under a new execution name, so no report stays `running` for good,
 * whatever killed the round (a timeout, an outage longer than every retry, a lost execution).
 * Re-drives are counted; past the maximum the report is given up on, loudly.
 * `isDue` decides for each candidate; by default its sweepAt has passed.
 */
export const sweepRounds = async (
  reportIds: readonly string[],
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'logger' | 'now' | 'config' | 'metrics'>,
  isDue: (state: ReportState, nowMs: number) => boolean = (state, nowMs) => (state.sweepAt ?? Infinity) <= nowMs,
): Promise<SweepOutcome> => {
  const outcome: SweepOutcome = { redriven: [], givenUp: [] };
  for (const reportId of reportIds) {
    const state = await deps.store.getState(reportId);
    if (!state?.running || !isDue(state, deps.now())) continue;
    if ((state.redrives ?? 0) >= deps.config.maxRoundRedrives) {
      await giveUp(state, state.lastError ?? `round ${state.round} did not finish by its deadline`, deps);
      outcome.givenUp.push(reportId);
      continue;
    }
    const next = await deps.store.redriveRound(reportId, state.round);
    if (!next) continue; // it finished meanwhile, or another sweep took it
    const name = executionNameOf(reportId, next.round);
    deps.logger.warn('round re-driven', { reportId, round: next.round, redrives: next.redrives, after: state.lastError ?? 'deadline passed' });
    await deps.starter.start(name, roundInputOf(reportId, next.round, deps.config));
    await deps.store.confirmStarted(reportId, next.round);
    deps.metrics.count('RoundsRedriven');
    outcome.redriven.push(name);
  }
  return outcome;
};
