/** End of a round: release the report, or start the next round for alerts that joined meanwhile; or record a failed round. */
import middy from '@middy/core';
import * as z from 'zod';
import { finishRound } from '../core/pipeline/rounds.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { CaughtErrorSchema, parseEvent } from './event.ts';

const FinishEvent = z.object({
  reportId: z.string().min(1),
  round: z.number().int().min(1).optional(),
  error: CaughtErrorSchema,
});

// Uses no plugin: Lambda loads none for it.
const PLUGINS: PluginNeeds = {};

export const createFinishRunHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => finishRound(parseEvent(FinishEvent, event), await getDeps())).use(flushMetrics(getDeps));
};

export const handler = createFinishRunHandler(containerDeps(PLUGINS));
