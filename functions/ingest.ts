/**
 * SQS (fed by the alert SNS topic) -> one report membership per alert; bad input recorded, never retried.
 * A message may carry several alerts (a Security Hub event lists findings): each refused item is
 * recorded with its path. The batch is ingested as a unit (core/pipeline/ingest.ts ingestAlerts),
 * and the response names each message to deliver again (partial batch response).
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Alert } from '../core/alert.ts';
import { ingestAlerts } from '../core/pipeline/ingest.ts';
import type { PipelineDeps } from '../core/pipeline/deps.ts';
import { alertsFromMessageBody, type SourceOutcome } from '../sources/index.ts';
import { containerDeps, flushMetrics, withPluginsOf, type DepsProvider, type PluginNeeds } from './deps.ts';

const reject = async (record: SQSRecord, outcome: SourceOutcome, deps: PipelineDeps) => {
  const rejectedAt = new Date(deps.now()).toISOString();
  for (const rejection of outcome.rejections) {
    deps.logger.warn('alert rejected', { messageId: record.messageId, item: rejection.path || undefined, reason: rejection.reason });
    deps.metrics.count('AlertsRejected');
    await deps.store.recordRejection({
      messageId: record.messageId,
      ...(rejection.path ? { item: rejection.path } : {}),
      reason: rejection.reason,
      issues: rejection.issues,
      excerpt: rejection.excerpt,
      rejectedAt,
    });
  }
  for (const skip of outcome.skipped) deps.logger.info('finding skipped', { messageId: record.messageId, item: skip.path || undefined, reason: skip.reason });
};

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

// Uses no plugin: Lambda loads none for it.
const PLUGINS: PluginNeeds = {};

export const createIngestHandler = (allDeps: DepsProvider) => {
  const getDeps = withPluginsOf(PLUGINS, allDeps);
  return middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const retry = new Set<string>();
    const valid: { record: SQSRecord; alert: Alert }[] = [];
    for (const record of event.Records) {
      try {
        const outcome = alertsFromMessageBody(record.body);
        await reject(record, outcome, deps);
        for (const { alert } of outcome.alerts) valid.push({ record, alert });
      } catch (failure) {
        // transient: SQS redelivers, then the DLQ
        deps.logger.error('alert not ingested; SQS will deliver it again', { messageId: record.messageId, error: errorText(failure) });
        retry.add(record.messageId);
      }
    }
    const outcomes = valid.length > 0 ? await ingestAlerts(valid.map((v) => v.alert), deps) : [];
    outcomes.forEach((outcome, i) => {
      if (!('failed' in outcome)) return;
      const { messageId } = valid[i]!.record;
      deps.logger.error('alert not ingested; SQS will deliver it again', { messageId, error: errorText(outcome.failed) });
      retry.add(messageId);
    });
    return { batchItemFailures: [...retry].map((itemIdentifier) => ({ itemIdentifier })) };
  }).use(flushMetrics(getDeps));
};

export const handler = createIngestHandler(containerDeps(PLUGINS));
