/**
 * Rounds: one pipeline execution per report round, named `<reportId>-r<round>`. Ingest
 * starts a round when the report is idle; a finishing round starts the next one when alerts
 * joined after its final snapshot. Both go through `ensureRound`.
 */
import { PluginContractError } from '../errors.ts';
import { executionNameOf } from '../ids.ts';
import type { ReportState } from '../store.ts';
import type { PipelineDeps } from './deps.ts';
import { describeCaughtError, type CaughtError } from './caught-error.ts';

/**
 * A running round picks up new alerts itself (dirty flag); otherwise claim the next round.
 * A claimed round whose start was never confirmed (the start call failed) is started again
 * under the same execution name, which the starter treats as idempotent.
 * Returns the round this call started, if any.
 */
export const ensureRound = async (state: ReportState, deps: Pick<PipelineDeps, 'store' | 'starter'>): Promise<number | undefined> => {
  let current = state;
  if (!current.running) {
    const claimed = await deps.store.claimRound(current.reportId);
    if (!claimed) return undefined;
    current = claimed;
  } else if (current.startedRound >= current.round) {
    return undefined;
  }
  await deps.starter.start(executionNameOf(current.reportId, current.round), { reportId: current.reportId, round: current.round });
  await deps.store.confirmStarted(current.reportId, current.round);
  return current.round;
};

/**
 * End of a round after its final emit, or after a failure. When alerts joined after the final
 * snapshot, the next round is started here (it triages them, waits, concludes), so the billed
 * Standard workflow never loops.
 */
export const finishRound = async (
  input: { reportId: string; round?: number; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'starter' | 'logger' | 'now' | 'metrics'>,
): Promise<{ nextRound?: number }> => {
  if (input.error) {
    const { error, message } = describeCaughtError(input.error);
    deps.logger.error('pipeline round failed', { reportId: input.reportId, error, message });
    const state = await deps.store.failRound(input.reportId, `${error}: ${message}`);
    await deps.store.recordFailure({
      kind: 'round',
      reportId: input.reportId,
      round: state.round,
      error: `${error}: ${message}`,
      failedAt: new Date(deps.now()).toISOString(),
    });
    deps.metrics.count('RoundsFailed');
    return {};
  }
  if (input.round === undefined) throw new PluginContractError('finishing a round needs its number');
  const state = await deps.store.finishRound(input.reportId, input.round);
  if (!state.running || state.round <= input.round) return {};
  await ensureRound(state, deps);
  return { nextRound: state.round };
};
