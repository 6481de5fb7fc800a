/** Catch target of the inspector and emitter Map items: a failure becomes a record in the report, not a lost task. */
import middy from '@middy/core';
import * as z from 'zod';
import { recordEmissionFailure } from '../core/pipeline/emission.ts';
import { INSPECTION_BATCH_SIZE, recordInspectionFailure } from '../core/pipeline/inspection.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { CaughtErrorSchema, parseEvent } from './event.ts';

const FailureEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('inspection'),
    reportId: z.string().min(1),
    tasks: z.array(z.object({ attributeId: z.string().min(1), inspector: z.string().min(1) })).min(1).max(INSPECTION_BATCH_SIZE),
    error: CaughtErrorSchema,
  }),
  z.object({ kind: z.literal('emission'), reportId: z.string().min(1), version: z.number().int(), emitter: z.string().min(1), error: CaughtErrorSchema }),
]);

// Uses no plugin: Lambda loads none for it.
const PLUGINS: PluginNeeds = {};

export const createRecordFailureHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => {
    const failure = parseEvent(FailureEvent, event);
    const deps = await getDeps();
    if (failure.kind === 'inspection') await recordInspectionFailure(failure, deps);
    else await recordEmissionFailure(failure, deps);
    return { recorded: true };
  }).use(flushMetrics(getDeps));
};

export const handler = createRecordFailureHandler(containerDeps(PLUGINS));
