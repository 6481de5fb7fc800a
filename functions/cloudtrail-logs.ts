/** CloudWatch Logs subscription (CloudTrail log group; gzip + base64) -> detectors -> alert topic. */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { handleLogsSubscription } from '../detectors/sources/handle.ts';
import { containerSourceDeps, type SourceDepsProvider } from './source-deps.ts';

export const createCloudTrailLogsHandler = (getDeps: SourceDepsProvider) =>
  middy(async (event: unknown, _context: Context) => handleLogsSubscription(event, 'cloudtrail', await getDeps()));

export const handler = createCloudTrailLogsHandler(containerSourceDeps);
