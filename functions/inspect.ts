import middy from '@middy/core';
import * as z from 'zod';
import { INSPECTION_BATCH_SIZE, inspectAttributes } from '../core/pipeline/inspection.ts';
// Registers the opt-in inspectors' code: only this function runs inspectors, so only its bundle carries it.
import '../inspectors/opt-in.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { parseEvent } from './event.ts';

// The planner's own output, read back from the state machine: attributes as it stored them.
const PlannedAttribute = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  key: z.string(),
  value: z.string(),
  context: z.array(z.string()),
  depth: z.number().int().min(0),
  origin: z.string().min(1),
});

const InspectEvent = z.object({
  reportId: z.string().min(1),
  batch: z.object({
    tasks: z.array(z.object({ attributeId: z.string().min(1), inspector: z.string().min(1) })).min(1).max(INSPECTION_BATCH_SIZE),
    attributes: z.array(PlannedAttribute).max(INSPECTION_BATCH_SIZE).optional(),
    more: z.boolean().optional(),
  }),
});

// The plugin kinds this function uses: it runs inspectors.
const PLUGINS: PluginNeeds = { inspectors: () => import('../inspectors/index.ts') };

export const createInspectHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => {
    const { reportId, batch } = parseEvent(InspectEvent, event);
    return inspectAttributes({ reportId, ...batch } as Parameters<typeof inspectAttributes>[0], await getDeps());
  }).use(flushMetrics(getDeps));
};

export const handler = createInspectHandler(containerDeps(PLUGINS));
