/**
 * The scenarios' target in AWS: a deployed stage of the main stack and the tester stack beside
 * it. Resource names come from the stacks' CloudFormation outputs, never from conventions.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertInput } from '../core/alert.ts';
import { AlertWardenError } from '../core/errors.ts';
import { RecordingTable, type Recorded } from './recording.ts';
import type { Target } from './scenarios.ts';

export class StackNotReadyError extends AlertWardenError {
  constructor(message: string) {
    super(message);
    this.name = 'StackNotReadyError';
  }
}

export const mainStackName = (stage: string): string => `alertwarden-${stage}`;
export const testerStackName = (stage: string): string => `alertwarden-tester-${stage}`;

const outputsOf = async (cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> => {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  if (!stack || !/_COMPLETE$/.test(stack.StackStatus ?? '') || /ROLLBACK|DELETE/.test(stack.StackStatus ?? '')) {
    throw new StackNotReadyError(`stack ${stackName} is ${stack?.StackStatus ?? 'missing'}; deploy it first (tester/README.md)`);
  }
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
};

const need = (outputs: Record<string, string>, key: string, stack: string): string => {
  const value = outputs[key];
  if (!value) throw new StackNotReadyError(`stack ${stack} has no output ${key}`);
  return value;
};

export interface AwsTargetOptions {
  stage: string;
  region: string;
  /** After `until` holds, wait this long for late or duplicate deliveries before answering. */
  settleMs?: number;
  pollMs?: number;
}

export class AwsTarget implements Target {
  readonly name: string;
  private constructor(
    private readonly sns: SNSClient,
    private readonly alertTopicArn: string,
    private readonly table: RecordingTable,
    private readonly options: AwsTargetOptions,
  ) {
    this.name = `aws:${options.stage}`;
  }

  static async connect(options: AwsTargetOptions): Promise<AwsTarget> {
    const cfn = new CloudFormationClient({ region: options.region });
    const main = mainStackName(options.stage);
    const tester = testerStackName(options.stage);
    const [mainOutputs, testerOutputs] = await Promise.all([outputsOf(cfn, main), outputsOf(cfn, tester)]);
    const table = new RecordingTable(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: options.region })),
      need(testerOutputs, 'RecordingTableName', tester),
    );
    return new AwsTarget(new SNSClient({ region: options.region }), need(mainOutputs, 'AlertTopicArn', main), table, options);
  }

  async publish(alerts: readonly AlertInput[]): Promise<void> {
    for (const alert of alerts) {
      await this.sns.send(new PublishCommand({ TopicArn: this.alertTopicArn, Message: JSON.stringify(alert) }));
    }
  }

  async waitForReports(alertId: string, until: (records: Recorded[]) => boolean, timeoutMs: number): Promise<Recorded[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = await this.table.list(alertId);
      if (until(records)) {
        await new Promise((r) => setTimeout(r, this.options.settleMs ?? 5_000));
        return this.table.list(alertId);
      }
      if (Date.now() > deadline) return records;
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 2_000));
    }
  }
}
