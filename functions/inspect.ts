import middy from '@middy/core';
import { z } from 'zod';
import { inspectAttribute } from '../core/pipeline/inspection.ts';
// Registers the opt-in inspectors' code: only this function runs inspectors, so only its bundle carries it.
import '../inspectors/opt-in.ts';
import { containerDepsProvider, type DepsProvider } from './deps.ts';
import { parseEvent } from './event.ts';

const InspectEvent = z.object({ reportId: z.string().min(1), attributeId: z.string().min(1), inspector: z.string().min(1) });

export const createInspectHandler = (getDeps: DepsProvider) =>
  middy(async (event: unknown) => inspectAttribute(parseEvent(InspectEvent, event), await getDeps()));

export const handler = createInspectHandler(containerDepsProvider);
