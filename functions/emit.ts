import middy from '@middy/core';
import * as z from 'zod';
import { emitReport } from '../core/pipeline/emission.ts';
import type { Report } from '../core/report.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { parseEvent } from './event.ts';

// The report the review step handed on is its own output, checked only for what picks it (id and
// version); executions started before it was handed on carry none.
const InlineReport = z.looseObject({ id: z.string(), version: z.number().int() });
const EmitEvent = z.object({
  reportId: z.string().min(1),
  version: z.number().int().min(1),
  emitter: z.string().min(1),
  report: InlineReport.nullable().optional(),
});

// The plugin kinds this function uses: it emits with one emitter.
const PLUGINS: PluginNeeds = { emitters: () => import('../emitters/index.ts') };

export const createEmitHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => {
    const { report, ...input } = parseEvent(EmitEvent, event);
    return emitReport({ ...input, report: report as Report | null | undefined }, await getDeps());
  }).use(flushMetrics(getDeps));
};

export const handler = createEmitHandler(containerDeps(PLUGINS));
