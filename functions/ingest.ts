/** SQS (fed by the alert SNS topic) -> one report membership per alert; bad input recorded, never retried. */
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidAlertError } from '../core/errors.ts';
import { ingestAlert } from '../core/pipeline/ingest.ts';
import { alertFromMessageBody, excerptOf } from '../core/pipeline/intake.ts';
import type { PipelineDeps } from '../core/pipeline/deps.ts';
import { containerDepsProvider, flushMetrics, type DepsProvider } from './deps.ts';

const ingestRecord = async (record: SQSRecord, deps: PipelineDeps) => {
  try {
    const alert = alertFromMessageBody(record.body);
    return await ingestAlert(alert, deps);
  } catch (error) {
    if (!(error instanceof InvalidAlertError)) throw error; // transient: SQS redelivers, then the DLQ
    deps.logger.warn('alert rejected', { messageId: record.messageId, reason: error.message });
    deps.metrics.count('AlertsRejected');
    await deps.store.recordRejection({
      messageId: record.messageId,
      reason: error.message,
      issues: error.issues,
      excerpt: excerptOf(record.body),
      rejectedAt: new Date(deps.now()).toISOString(),
    });
    return { rejected: true as const, reason: error.message };
  }
};

export const createIngestHandler = (getDeps: DepsProvider) =>
  middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => ingestRecord(record, deps), processor, {
      context,
      // A batch where every record failed transiently must still be reported per record, not thrown.
      throwOnFullBatchFailure: false,
    });
  }).use(flushMetrics(getDeps));

export const handler = createIngestHandler(containerDepsProvider);
