/**
 * The scenarios' target on this machine: the LocalRuntime (same handlers, same ASL, loopback
 * DynamoDB and S3) configured like the `it` stage, with the report topic wired to the tester's
 * own recording Lambda handler, as the tester stack's SNS subscription does in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import type { AlertInput } from '../core/alert.ts';
import { LocalRuntime } from '../local/runtime.ts';
import { createPkSkTable } from '../local/servers.ts';
import { createRecordReportHandler } from './functions/record-report.ts';
import { handler as testerInspectorHandler } from './functions/inspector.ts';
import { RecordingTable, type Recorded } from './recording.ts';
import type { Target } from './scenarios.ts';

const LOCAL_REPORT_TOPIC = 'arn:aws:sns:us-east-1:000000000000:alertwarden-local-reports';
const RECORDING_TABLE = 'alertwarden-tester-local-recordings';
const TESTER_INSPECTOR_FUNCTION = 'alertwarden-tester-it-inspector';

/** What SNS hands a subscribed Lambda for one Publish. */
const snsEventOf = (input: PublishCommandInput, messageId: string): SNSEvent => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${input.TopicArn}:tester`,
      Sns: {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: input.TopicArn ?? '',
        Subject: input.Subject ?? '',
        Message: input.Message ?? '',
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: Object.fromEntries(
          Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, { Type: v.DataType ?? 'String', Value: v.StringValue ?? '' }]),
        ),
      },
    },
  ],
});

export class LocalTarget implements Target {
  readonly name = 'local';
  private constructor(
    readonly runtime: LocalRuntime,
    private readonly table: RecordingTable,
  ) {}

  /** `aggregationDelaySeconds` stands in for the stage's wait (5 s on `it`); 1 s keeps `npm test` quick. */
  static async start(options: { aggregationDelaySeconds?: number } = {}): Promise<LocalTarget> {
    const runtime = await LocalRuntime.start({
      env: {
        ALERTWARDEN_AGGREGATION_DELAY_SECONDS: String(options.aggregationDelaySeconds ?? 1),
        ALERTWARDEN_INSPECTORS: 'blocklist',
        // As on stage `it`: the tester's inspector is an external one, the local runtime its Lambda.
        ALERTWARDEN_EXTERNAL_INSPECTORS: JSON.stringify([{ name: 'tester', accepts: ['domain', 'ipaddr'], function: TESTER_INSPECTOR_FUNCTION }]),
        ALERTWARDEN_EMITTERS: 'sns',
        ALERTWARDEN_REPORT_TOPIC_ARN: LOCAL_REPORT_TOPIC,
      },
      functions: { [TESTER_INSPECTOR_FUNCTION]: testerInspectorHandler },
    });
    try {
      await createPkSkTable(runtime.clients.dynamodb, RECORDING_TABLE);
      const table = new RecordingTable(DynamoDBDocumentClient.from(runtime.clients.dynamodb), RECORDING_TABLE);
      const record = createRecordReportHandler(() => ({ table, now: Date.now }));
      // The report topic's one subscriber is the tester's recording Lambda; nothing leaves the machine.
      runtime.clients.sns.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as PublishCommandInput;
          if (context.commandName !== 'PublishCommand' || input.TopicArn !== LOCAL_REPORT_TOPIC) return next(args);
          const messageId = randomUUID();
          await record(snsEventOf(input, messageId), {} as Context);
          return { output: { MessageId: messageId, $metadata: {} } as never, response: {} };
        },
        { step: 'initialize', name: 'testerReportTopicSubscription' },
      );
      return new LocalTarget(runtime, table);
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  }

  async publish(alerts: readonly AlertInput[]): Promise<void> {
    await this.runtime.publish(alerts.map((a) => JSON.stringify(a)));
  }

  async waitForReports(alertId: string, until: (records: Recorded[]) => boolean, timeoutMs: number): Promise<Recorded[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Every execution has ended, so every emission has been recorded.
      await this.runtime.drain();
      const records = await this.table.list(alertId);
      if (until(records) || Date.now() > deadline) return records;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }
}
