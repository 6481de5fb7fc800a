/**
 * The round sweeper, run by an EventBridge schedule: re-drives every report whose round failed
 * (retry due) or ran past its deadline, and gives up, loudly, on one whose rounds keep failing.
 */
import middy from '@middy/core';
import { sweepRounds } from '../core/pipeline/rounds.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';

// Uses no plugin: Lambda loads none for it.
const PLUGINS: PluginNeeds = {};

export const createSweepRoundsHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async () => {
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
};

export const handler = createSweepRoundsHandler(containerDeps(PLUGINS));
