import middy from '@middy/core';
import * as z from 'zod';
import { planInspection } from '../core/pipeline/inspection.ts';
import { containerDepsProvider, type DepsProvider } from './deps.ts';
import { parseEvent } from './event.ts';

const PlanEvent = z.object({ reportId: z.string().min(1) });

export const createPlanInspectionHandler = (getDeps: DepsProvider) =>
  middy(async (event: unknown) => planInspection(parseEvent(PlanEvent, event).reportId, await getDeps()));

export const handler = createPlanInspectionHandler(containerDepsProvider);
