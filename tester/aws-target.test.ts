/** The AWS target's own logic, offline: stack outputs, publishing, polling (SDK clients mocked). */
import assert from 'node:assert/strict';
import { afterAll, afterEach, describe, test } from 'vitest';
import { CloudFormationClient, DescribeStacksCommand, type StackStatus } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsTarget, StackNotReadyError } from './aws-target.ts';

const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
// Class-wide mocks: restored, so no later file in a shared worker (vitest.config.ts) gets them.
afterAll(() => {
  cfn.restore();
  sns.restore();
  ddb.restore();
});

const stacks = (mainStatus: StackStatus = 'UPDATE_COMPLETE', testerOutputs = [{ OutputKey: 'RecordingTableName', OutputValue: 'alertwarden-tester-it-recordings' }]) => {
  cfn.on(DescribeStacksCommand, { StackName: 'alertwarden-it' }).resolves({
    Stacks: [{ StackName: 'alertwarden-it', StackStatus: mainStatus, CreationTime: new Date(), Outputs: [{ OutputKey: 'AlertTopicArn', OutputValue: 'arn:aws:sns:us-east-1:123456789012:alertwarden-it-alerts' }] }],
  });
  cfn.on(DescribeStacksCommand, { StackName: 'alertwarden-tester-it' }).resolves({
    Stacks: [{ StackName: 'alertwarden-tester-it', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: testerOutputs }],
  });
};

const item = (version: number, phase: string) => ({
  pk: 'ALERT#a1',
  sk: `MSG#m${version}`,
  alertId: 'a1',
  reportId: 'r1',
  version,
  phase,
  severity: 'medium',
  alertCount: 1,
  compact: false,
  messageId: `m${version}`,
  receivedAt: '2026-11-23T00:00:00.000Z',
  attributes: { severity: 'medium', phase, report_id: 'r1' },
  body: JSON.stringify({ id: 'r1' }),
  expiresAt: 1,
});

afterEach(() => {
  cfn.reset();
  sns.reset();
  ddb.reset();
});

describe('AwsTarget', () => {
  test('finds the alert topic and the recording table in the stacks outputs and publishes there', async () => {
    stacks();
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    const target = await AwsTarget.connect({ stage: 'it', region: 'us-east-1' });
    await target.publish([{ detector: 'd', rule_id: 'r' }, { detector: 'd', rule_id: 's' }]);
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    assert.deepEqual(calls, [
      { TopicArn: 'arn:aws:sns:us-east-1:123456789012:alertwarden-it-alerts', Message: '{"detector":"d","rule_id":"r"}' },
      { TopicArn: 'arn:aws:sns:us-east-1:123456789012:alertwarden-it-alerts', Message: '{"detector":"d","rule_id":"s"}' },
    ]);
  });

  test('a stack that is not deployed, rolled back or lacks an output is named in the error', async () => {
    stacks('ROLLBACK_COMPLETE');
    await assert.rejects(AwsTarget.connect({ stage: 'it', region: 'us-east-1' }), (e: Error) => e instanceof StackNotReadyError && /alertwarden-it is ROLLBACK_COMPLETE/.test(e.message));
    cfn.reset();
    stacks('UPDATE_COMPLETE', []);
    await assert.rejects(AwsTarget.connect({ stage: 'it', region: 'us-east-1' }), /alertwarden-tester-it has no output RecordingTableName/);
  });

  test('waits until the records satisfy the condition, then reads again after settling; gives up at the timeout', async () => {
    stacks();
    ddb.on(QueryCommand).resolvesOnce({ Items: [] }).resolvesOnce({ Items: [item(1, 'final')] }).resolves({ Items: [item(1, 'final'), item(2, 'final')] });
    const target = await AwsTarget.connect({ stage: 'it', region: 'us-east-1', settleMs: 1, pollMs: 1 });
    const records = await target.waitForReports('a1', (rs) => rs.length > 0, 5_000);
    assert.deepEqual(records.map((r) => r.version), [1, 2], 'the read after settling sees late deliveries');
    assert.deepEqual(ddb.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues, { ':pk': 'ALERT#a1' });
    assert.equal(ddb.commandCalls(QueryCommand)[0]!.args[0].input.TableName, 'alertwarden-tester-it-recordings');

    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [] });
    const none = await target.waitForReports('a1', (rs) => rs.length > 0, 20);
    assert.deepEqual(none, []);
  });
});
