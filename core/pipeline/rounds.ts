/**
 * Rounds: one pipeline execution per report round, named `<reportId>-r<round>`. Ingest
 * starts a round when the report is idle; a finishing round starts the next one when alerts
 * joined after its final snapshot. Both go through `ensureRound`.
 */
import { executionNameOf } from '../ids.ts';
import type { ReportState } from '../store.ts';
import type { PipelineDeps } from './deps.ts';

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
