/**
 * What the tester's recording emitter keeps: one DynamoDB item per SNS message published to the
 * main stack's report topic. The recording Lambda writes with it; the integration targets read
 * with it, locally and in AWS, so both sides agree on one format.
 *
 * Key design (table `alertwarden-tester-<stage>-recordings`):
 *   pk ALERT#<alertId>   sk MSG#<SNS MessageId>   one received message (an SNS redelivery overwrites itself)
 * The alert id is in both the full and the compact (over-256 KB) message, so every report is found.
 */
import { paginateQuery, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { AlertWardenError } from '../core/errors.ts';

/** The part of an SNS notification the recorder needs (Lambda's `event.Records[].Sns`). */
export interface SnsNotification {
  MessageId: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface Recorded {
  alertId: string;
  reportId: string;
  version: number;
  phase: 'preliminary' | 'final';
  severity: string;
  /** Alerts in the report (the compact form carries only the count). */
  alertCount: number;
  compact: boolean;
  messageId: string;
  receivedAt: string;
  /** Message attributes as delivered, for subscription filter checks. */
  attributes: Record<string, string>;
  /** The message body, parsed: the full report, or the compact form. */
  body: Record<string, unknown>;
}

const ReportMessage = z.object({
  id: z.string().min(1),
  alertId: z.string().min(1),
  version: z.number().int().min(1),
  phase: z.enum(['preliminary', 'final']),
  verdict: z.object({ severity: z.string() }).nullish(),
  alerts: z.array(z.unknown()).optional(),
  counts: z.object({ alerts: z.number() }).optional(),
  truncated: z.boolean().optional(),
});

export class RecordingError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordingError';
  }
}

/** Reads one report message; throws RecordingError for anything the sns emitter would not send. */
export const recordOf = (notification: SnsNotification, receivedAt: string): Recorded => {
  let json: unknown;
  try {
    json = JSON.parse(notification.Message);
  } catch (error) {
    throw new RecordingError(`message ${notification.MessageId} is not JSON`, { cause: error });
  }
  const parsed = ReportMessage.safeParse(json);
  if (!parsed.success) {
    throw new RecordingError(`message ${notification.MessageId} is not a report: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const m = parsed.data;
  return {
    alertId: m.alertId,
    reportId: m.id,
    version: m.version,
    phase: m.phase,
    severity: m.verdict?.severity ?? 'unclassified',
    alertCount: m.counts?.alerts ?? m.alerts?.length ?? 0,
    compact: m.truncated === true,
    messageId: notification.MessageId,
    receivedAt,
    attributes: Object.fromEntries(Object.entries(notification.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
    body: json as Record<string, unknown>,
  };
};

const RECORD_TTL_SECONDS = 7 * 86_400;

export class RecordingTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async put(recorded: Recorded): Promise<void> {
    const { body, ...rest } = recorded;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `ALERT#${recorded.alertId}`,
          sk: `MSG#${recorded.messageId}`,
          ...rest,
          // Kept as text: a report's keys are not DynamoDB-friendly, and items stay under 400 KB (SNS caps at 256 KB).
          body: JSON.stringify(body),
          expiresAt: Math.floor(Date.parse(recorded.receivedAt) / 1000) + RECORD_TTL_SECONDS,
        },
      }),
    );
  }

  /** Every message received for one alert id, oldest version first. */
  async list(alertId: string): Promise<Recorded[]> {
    const out: Recorded[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ALERT#${alertId}` }, ConsistentRead: true },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, expiresAt: _e, body, ...rest } = item;
        out.push({ ...(rest as Omit<Recorded, 'body'>), body: JSON.parse(String(body)) as Record<string, unknown> });
      }
    }
    return out.sort((a, b) => a.version - b.version || a.receivedAt.localeCompare(b.receivedAt));
  }
}
