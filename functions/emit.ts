import middy from '@middy/core';
import * as z from 'zod';
import { emitReport } from '../core/pipeline/emission.ts';
import { containerDepsProvider, flushMetrics, type DepsProvider } from './deps.ts';
import { parseEvent } from './event.ts';

const EmitEvent = z.object({ reportId: z.string().min(1), version: z.number().int().min(1), emitter: z.string().min(1) });

export const createEmitHandler = (getDeps: DepsProvider) =>
  middy(async (event: unknown) => emitReport(parseEvent(EmitEvent, event), await getDeps())).use(flushMetrics(getDeps));

export const handler = createEmitHandler(containerDepsProvider);
