/** SQS of S3 notifications (VPC flow-log files in S3) -> detectors -> alert topic; see log-files.ts. */
import { createLogFilesHandler } from './log-files.ts';
import { containerSourceDeps, type SourceDepsProvider } from './source-deps.ts';

export const createFlowLogFilesHandler = (getDeps: SourceDepsProvider) => createLogFilesHandler('flowlogs', getDeps);

export const handler = createFlowLogFilesHandler(containerSourceDeps);
