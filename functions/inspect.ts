import middy from '@middy/core';
import { z } from 'zod';
import { INSPECTION_BATCH_SIZE, inspectAttributes } from '../core/pipeline/inspection.ts';
// Registers the opt-in inspectors' code: only this function runs inspectors, so only its bundle carries it.
import '../inspectors/opt-in.ts';
import { containerDepsProvider, flushMetrics, type DepsProvider } from './deps.ts';
import { parseEvent } from './event.ts';

const InspectEvent = z.object({
  reportId: z.string().min(1),
  tasks: z.array(z.object({ attributeId: z.string().min(1), inspector: z.string().min(1) })).min(1).max(INSPECTION_BATCH_SIZE),
});

export const createInspectHandler = (getDeps: DepsProvider) =>
  middy(async (event: unknown) => inspectAttributes(parseEvent(InspectEvent, event), await getDeps())).use(flushMetrics(getDeps));

export const handler = createInspectHandler(containerDepsProvider);
