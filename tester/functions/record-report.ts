/** The tester stack's recording emitter: the main stack's report topic -> one item per message. */
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { ConfigError } from '../../core/errors.ts';
import { recordOf, RecordingTable } from '../recording.ts';

export interface RecorderDeps {
  table: RecordingTable;
  now: () => number;
}

export const createRecordReportHandler = (getDeps: () => RecorderDeps) =>
  middy(async (event: SNSEvent): Promise<{ recorded: number }> => {
    const { table, now } = getDeps();
    const receivedAt = new Date(now()).toISOString();
    // A bad message throws: SNS retries, then the subscription's failure shows in CloudWatch.
    for (const record of event.Records) await table.put(recordOf(record.Sns, receivedAt));
    return { recorded: event.Records.length };
  });

let deps: RecorderDeps | undefined;
const containerDeps = (): RecorderDeps => {
  const tableName = process.env.TESTER_RECORDING_TABLE;
  if (!tableName) throw new ConfigError('TESTER_RECORDING_TABLE is not set');
  return (deps ??= { table: new RecordingTable(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName), now: Date.now });
};

export const handler = createRecordReportHandler(containerDeps);
