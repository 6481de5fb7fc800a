/**
 * The two file sources (CloudTrail and VPC flow-log files in S3) are one handler: SQS of S3
 * notifications -> detectors -> alert topic, a repeated notification skipped, a failed message
 * retried and then dead-lettered without failing the rest of the batch.
 */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { handleLogFileNotification, type LogKind } from '../detectors/sources/handle.ts';
import type { SourceDepsProvider } from './source-deps.ts';

export const createLogFilesHandler = (kind: LogKind, getDeps: SourceDepsProvider) =>
  middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    // A claim outlives no invocation: once the function has timed out, the retry may take the file.
    const processFiles = async (record: SQSRecord) => {
      await handleLogFileNotification(record.body, kind, deps, context.getRemainingTimeInMillis());
    };
    return processPartialResponse(event, processFiles, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
  });
