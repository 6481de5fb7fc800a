/** EventBridge rule (CloudTrail management events) -> detectors -> alert topic. */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { handleCloudTrailEvent } from '../detectors/sources/handle.ts';
import { containerSourceDeps, type SourceDepsProvider } from './source-deps.ts';

export const createCloudTrailEventsHandler = (getDeps: SourceDepsProvider) =>
  middy(async (event: unknown, _context: Context) => handleCloudTrailEvent(event, await getDeps()));

export const handler = createCloudTrailEventsHandler(containerSourceDeps);
