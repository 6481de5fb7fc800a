import middy from '@middy/core';
import * as z from 'zod';
import { planInspection } from '../core/pipeline/inspection.ts';
import { containerDeps, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { parseEvent } from './event.ts';

const PlanEvent = z.object({ reportId: z.string().min(1) });

// The plugin kinds this function uses: it plans which inspectors see which attributes.
const PLUGINS: PluginNeeds = { inspectors: () => import('../inspectors/index.ts') };

export const createPlanInspectionHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => planInspection(parseEvent(PlanEvent, event).reportId, await getDeps()));
};

export const handler = createPlanInspectionHandler(containerDeps(PLUGINS));
