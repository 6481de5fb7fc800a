/**
 * Publishes detector alerts to the alert topic, where every other security tool publishes:
 * PublishBatch of up to 10 messages and 256 KiB per call (SNS's limits for one request).
 * A message SNS refuses fails the call, so the source's invocation is retried and, after
 * that, lands in its dead-letter queue with the records that produced it.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { clientOf, type Lazy } from './aws-clients.ts';
import type { AlertInput } from '../core/alert.ts';
import type { AlertPublisher } from '../detectors/sources/ports.ts';
import { DetectorError } from '../detectors/errors.ts';

const MAX_BATCH_ENTRIES = 10;
// SNS counts the whole request against 256 KiB; leave room for the batch's own envelope.
const MAX_BATCH_BYTES = 250 * 1024;

export class AlertPublishError extends DetectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertPublishError';
  }
}

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: Lazy<SNSClient>,
    private readonly topicArn: string,
  ) {}

  async publish(alerts: readonly AlertInput[]): Promise<void> {
    let batch: string[] = [];
    let bytes = 0;
    for (const alert of alerts) {
      const message = JSON.stringify(alert);
      const size = Buffer.byteLength(message);
      if (batch.length === MAX_BATCH_ENTRIES || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
        await this.send(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(message);
      bytes += size;
    }
    if (batch.length) await this.send(batch);
  }

  private async send(messages: string[]): Promise<void> {
    // The command's module is the client's own: imported with it on first use, not at cold start.
    const [sns, { PublishBatchCommand }] = await Promise.all([clientOf(this.sns), import('@aws-sdk/client-sns')]);
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: this.topicArn,
        PublishBatchRequestEntries: messages.map((Message, i) => ({ Id: String(i), Message })),
      }),
    );
    const failed = result.Failed ?? [];
    if (failed.length) {
      throw new AlertPublishError(`the alert topic refused ${failed.length} of ${messages.length} alert(s): ${failed.map((f) => `${f.Code}: ${f.Message ?? ''}`).join('; ')}`);
    }
  }
}
