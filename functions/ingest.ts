/**
 * SQS (fed by the alert SNS topic) -> one report membership per alert; bad input recorded, never retried.
 * The batch is ingested as a unit (core/pipeline/ingest.ts ingestAlerts), and the response
 * names each message to deliver again (partial batch response), as the per-record form did.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidAlertError } from '../core/errors.ts';
import type { Alert } from '../core/alert.ts';
import { ingestAlerts } from '../core/pipeline/ingest.ts';
import { alertFromMessageBody, excerptOf } from '../core/pipeline/intake.ts';
import type { PipelineDeps } from '../core/pipeline/deps.ts';
import { containerDepsProvider, flushMetrics, type DepsProvider } from './deps.ts';

const reject = async (record: SQSRecord, error: InvalidAlertError, deps: PipelineDeps) => {
  deps.logger.warn('alert rejected', { messageId: record.messageId, reason: error.message });
  deps.metrics.count('AlertsRejected');
  await deps.store.recordRejection({
    messageId: record.messageId,
    reason: error.message,
    issues: error.issues,
    excerpt: excerptOf(record.body),
    rejectedAt: new Date(deps.now()).toISOString(),
  });
};

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export const createIngestHandler = (getDeps: DepsProvider) =>
  middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const retry: string[] = [];
    const valid: { record: SQSRecord; alert: Alert }[] = [];
    for (const record of event.Records) {
      try {
        valid.push({ record, alert: alertFromMessageBody(record.body) });
      } catch (error) {
        try {
          if (!(error instanceof InvalidAlertError)) throw error; // transient: SQS redelivers, then the DLQ
          await reject(record, error, deps);
        } catch (failure) {
          deps.logger.error('alert not ingested; SQS will deliver it again', { messageId: record.messageId, error: errorText(failure) });
          retry.push(record.messageId);
        }
      }
    }
    const outcomes = valid.length > 0 ? await ingestAlerts(valid.map((v) => v.alert), deps) : [];
    outcomes.forEach((outcome, i) => {
      if (!('failed' in outcome)) return;
      const { messageId } = valid[i]!.record;
      deps.logger.error('alert not ingested; SQS will deliver it again', { messageId, error: errorText(outcome.failed) });
      retry.push(messageId);
    });
    return { batchItemFailures: retry.map((itemIdentifier) => ({ itemIdentifier })) };
  }).use(flushMetrics(getDeps));

export const handler = createIngestHandler(containerDepsProvider);
