/** SQS of S3 notifications (VPC flow logs files in S3) -> detectors -> alert topic; a failed message is retried, then dead-lettered. */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { handleLogFile, objectsIn } from '../detectors/sources/handle.ts';
import { containerSourceDeps, type SourceDepsProvider } from './source-deps.ts';

export const createFlowLogFilesHandler = (getDeps: SourceDepsProvider) =>
  middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const processFiles = async (record: SQSRecord) => {
      for (const ref of objectsIn(record.body)) {
        const outcome = await handleLogFile(ref, 'flowlogs', deps);
        deps.logger.info('log file read', { bucket: ref.bucket, key: ref.key, records: outcome.records, alerts: outcome.alerts, problems: outcome.problems.slice(0, 10) });
      }
    };
    return processPartialResponse(event, processFiles, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
  });

export const handler = createFlowLogFilesHandler(containerSourceDeps);
