import middy from '@middy/core';
import * as z from 'zod';
import { reviewReport } from '../core/pipeline/review.ts';
import { REPORT_PHASES } from '../core/report.ts';
import { containerDepsProvider, type DepsProvider } from './deps.ts';
import { parseEvent } from './event.ts';

const ReviewEvent = z.object({ reportId: z.string().min(1), phase: z.enum(REPORT_PHASES) });

export const createReviewHandler = (getDeps: DepsProvider) =>
  middy(async (event: unknown) => reviewReport(parseEvent(ReviewEvent, event), await getDeps()));

export const handler = createReviewHandler(containerDepsProvider);
