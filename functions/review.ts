import middy from '@middy/core';
import * as z from 'zod';
import { reviewReport } from '../core/pipeline/review.ts';
import { REPORT_PHASES } from '../core/report.ts';
import { containerDeps, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';
import { parseEvent } from './event.ts';

const ReviewEvent = z.object({ reportId: z.string().min(1), phase: z.enum(REPORT_PHASES) });

// The plugin kinds this function uses: it checks that inspections are complete and names the emitters; its reviewer loads on the first review.
const PLUGINS: PluginNeeds = {
  inspectors: () => import('../inspectors/index.ts'),
  emitters: () => import('../emitters/index.ts'),
  reviewer: () => import('../reviewer/index.ts'),
};

export const createReviewHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: unknown) => reviewReport(parseEvent(ReviewEvent, event), await getDeps()));
};

export const handler = createReviewHandler(containerDeps(PLUGINS));
