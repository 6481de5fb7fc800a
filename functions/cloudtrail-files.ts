/** SQS of S3 notifications (CloudTrail files in S3) -> detectors -> alert topic; see log-files.ts. */
import { createLogFilesHandler } from './log-files.ts';
import { containerSourceDeps, type SourceDepsProvider } from './source-deps.ts';

export const createCloudTrailFilesHandler = (getDeps: SourceDepsProvider) => createLogFilesHandler('cloudtrail', getDeps);

export const handler = createCloudTrailFilesHandler(containerSourceDeps);
