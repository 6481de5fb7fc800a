import { describe, expect, test } from 'vitest';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertInput } from '../core/alert.ts';
import { AlertPublishError, SnsAlertPublisher } from './sns-alert-publisher.ts';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:alertwarden-dev-alerts';
const alert = (i: number, body = ''): AlertInput => ({ detector: 'cloudtrail', rule_id: 'access-denied', alert_key: `k${i}`, body });

describe('SnsAlertPublisher', () => {
  test('publishes in batches of at most 10 entries, each message one alert as JSON', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish(Array.from({ length: 23 }, (_, i) => alert(i)));
    const calls = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.PublishBatchRequestEntries!.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.TopicArn === TOPIC)).toBe(true);
    expect(calls[0]!.PublishBatchRequestEntries![0]).toEqual({ Id: '0', Message: JSON.stringify(alert(0)) });
    sns.restore();
  });

  test('a batch stays under the 256 KiB request limit: large alerts split earlier', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish(Array.from({ length: 6 }, (_, i) => alert(i, 'x'.repeat(60_000))));
    const sizes = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries!.reduce((n, e) => n + Buffer.byteLength(e.Message!), 0));
    expect(sizes.length).toBe(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(250 * 1024);
    sns.restore();
  });

  test('an entry SNS refuses fails the call, so the source invocation is retried', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }] });
    await expect(new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC).publish([alert(0), alert(1)])).rejects.toThrow(AlertPublishError);
    sns.restore();
  });
});
