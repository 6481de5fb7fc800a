/**
 * The round sweeper, run by an EventBridge schedule: re-drives every report whose round failed
 * (retry due) or ran past its deadline, and gives up, loudly, on one whose rounds keep failing.
 */
import middy from '@middy/core';
import { sweepRounds } from '../core/pipeline/rounds.ts';
import { containerDepsProvider, flushMetrics, type DepsProvider } from './deps.ts';

export const createSweepRoundsHandler = (getDeps: DepsProvider) =>
  middy(async () => {
    const deps = await getDeps();
    const due = await deps.store.listSweepable(deps.now());
    const outcome = await sweepRounds(
      due.map((d) => d.reportId),
      deps,
    );
    // RoundsRedriven / RoundsFinallyFailed are counted for the alarms; this line says which reports.
    if (outcome.redriven.length || outcome.givenUp.length) {
      deps.logger.info('rounds swept', { roundsRedriven: outcome.redriven.length, roundsGivenUp: outcome.givenUp.length, ...outcome });
    }
    return { redriven: outcome.redriven.length, givenUp: outcome.givenUp.length };
  }).use(flushMetrics(getDeps));

export const handler = createSweepRoundsHandler(containerDepsProvider);
