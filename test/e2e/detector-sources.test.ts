/**
 * Each detector source path, end to end through the local pipeline: the real handler, the
 * real payload shape (S3 notification + gzip file in s3rver, gzip+base64 CloudWatch Logs
 * subscription, EventBridge event), first-seen state in dynalite, alerts through ingest into
 * reviewed reports.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, test } from 'vitest';
import type { CloudTrailRecord } from '../../detectors/cloudtrail/record.ts';
import { loadFixtures } from '../../detectors/fixtures.ts';
import type { SourceDeps } from '../../detectors/sources/ports.ts';
import { createCloudTrailEventsHandler } from '../../functions/cloudtrail-events.ts';
import { createCloudTrailFilesHandler } from '../../functions/cloudtrail-files.ts';
import { createCloudTrailLogsHandler } from '../../functions/cloudtrail-logs.ts';
import { createFlowLogFilesHandler } from '../../functions/flowlog-files.ts';
import { createFlowLogLogsHandler } from '../../functions/flowlog-logs.ts';
import { buildSourceDeps } from '../../functions/source-deps.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let deps: SourceDeps;
const published: string[] = [];
const getDeps = async () => deps;
const context = { functionName: 'source', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  deps = await buildSourceDeps(pipeline.runtime.env, {
    clients: pipeline.runtime.clients,
    publisher: {
      publish: async (alerts) => {
        const messages = alerts.map((a) => JSON.stringify(a));
        published.push(...messages);
        await pipeline.runtime.publish(messages);
      },
    },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

/** A fixture record with fresh ids, so each path's alert is told apart by its eventID. */
const record = async (ruleId: string, index = 0): Promise<CloudTrailRecord> => {
  const r = structuredClone((await loadFixtures(ruleId)).positive[index]) as CloudTrailRecord;
  r.eventID = randomUUID();
  return r;
};

const reportWithEvent = async (eventID: string) => {
  await pipeline.runtime.drain();
  const views = await pipeline.runtime.reports();
  return views.find((v) => v.report.alerts.some((a) => a.attributes.some((x) => x.type === 'event_id' && x.value === eventID)));
};

/** An S3 event notification as SQS delivers it; `object` adds eTag, sequencer or versionId. */
const s3Notification = (bucket: string, key: string, object: Record<string, unknown> = {}): SQSEvent => ({
  Records: [
    {
      messageId: randomUUID(),
      receiptHandle: 'r',
      body: JSON.stringify({ Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventName: 'ObjectCreated:Put', s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 1, ...object } } }] }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's3', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:alertwarden-cloudtrail-files',
      awsRegion: 'us-east-1',
    },
  ],
});

const awslogs = (logGroup: string, messages: string[], messageType = 'DATA_MESSAGE') => ({
  awslogs: {
    data: gzipSync(JSON.stringify({ messageType, owner: '111122223333', logGroup, logStream: '111122223333_CloudTrail_us-east-1', subscriptionFilters: ['alertwarden'], logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1763633742000, message })) })).toString('base64'),
  },
});

test('CloudTrail log file in S3 (gzip, S3 notification through SQS) -> reports', async () => {
  const stop = await record('cloudtrail-tampering');
  const denied = await record('access-denied');
  const bucket = pipeline.runtime.env.ALERTWARDEN_BUCKET!;
  const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1015Z_a1B2c3D4.json.gz';
  await pipeline.runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(JSON.stringify({ Records: [stop, denied] })) }));
  const response = await createCloudTrailFilesHandler(getDeps)(s3Notification(bucket, key), context);
  assert.deepEqual(response.batchItemFailures, []);
  const view = await reportWithEvent(stop.eventID!);
  assert.ok(view, 'a report carries the StopLogging eventID');
  assert.equal(view.report.rule_id, 'cloudtrail-tampering');
  assert.equal(view.report.phase, 'final');
  assert.ok(await reportWithEvent(denied.eventID!), 'the access-denied record of the same file too');
});

test('CloudTrail through a CloudWatch Logs subscription (gzip + base64); the control message is skipped', async () => {
  const root = await record('root-console-login-failed');
  const before = published.length;
  const control = await createCloudTrailLogsHandler(getDeps)(awslogs('', ['CWL CONTROL MESSAGE: Checking health of destination Lambda.'], 'CONTROL_MESSAGE'), context);
  assert.deepEqual(control, { records: 0, alerts: 0, problems: [] });
  assert.equal(published.length, before);
  const outcome = await createCloudTrailLogsHandler(getDeps)(awslogs('aws-cloudtrail-logs-111122223333', [JSON.stringify(root)]), context);
  console.log(`logs subscription: ${JSON.stringify(outcome)}`);
  assert.ok(outcome.alerts >= 1);
  const view = await reportWithEvent(root.eventID!);
  assert.ok(view, 'report for the failed root sign-in');
  assert.ok(['root-console-login-failed', 'root-user-activity'].includes(view.report.rule_id));
  // The default policy's *root* rule.
  assert.equal(view.report.verdict?.severity, 'critical');
});

test('CloudTrail management event via EventBridge -> report; an AMI launched twice alerts once (first-seen in DynamoDB)', async () => {
  const key = await record('root-access-key-created');
  const event = (detail: unknown) => ({ version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iam', account: '111122223333', time: '2026-11-20T10:15:42Z', region: 'us-east-1', resources: [], detail });
  const handler = createCloudTrailEventsHandler(getDeps);
  await handler(event(key), context);
  assert.ok(await reportWithEvent(key.eventID!), 'report for the root access key');

  const launch = await record('ami-first-seen');
  const again = { ...structuredClone(launch), eventID: randomUUID() };
  const first = await handler(event(launch), context);
  const second = await handler(event(again), context);
  assert.deepEqual([first.alerts, second.alerts], [1, 0], 'second launch of the same AMI is not new');
});

test('VPC flow-log file in S3 with a custom-format header, and flow-log lines through CloudWatch Logs -> reports', async () => {
  const bucket = pipeline.runtime.env.ALERTWARDEN_BUCKET!;
  const key = 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/20/111122223333_vpcflowlogs_us-east-1_fl-1234abcd_20261120T1015Z_5e6f7a8b.log.gz';
  const file = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction', '5 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 49152 6667 6 20 4249 1763633700 1763633760 ACCEPT OK egress', '5 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 10.0.2.9 49152 5432 6 20 4249 1763633700 1763633760 ACCEPT OK egress'].join('\n');
  await pipeline.runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(file) }));
  const response = await createFlowLogFilesHandler(getDeps)(s3Notification(bucket, key), context);
  assert.deepEqual(response.batchItemFailures, []);

  const cwl = await createFlowLogLogsHandler(getDeps)(awslogs('vpc-flow-logs', ['2 111122223333 eni-0f9e8d7c6b5a43210 10.0.3.7 203.0.113.9 50000 443 6 5 400 1763633700 1763633760 ACCEPT OK']), context);
  assert.equal(cwl.alerts, 1);

  await pipeline.runtime.drain();
  const views = await pipeline.runtime.reports();
  const outbound = views.find((v) => v.report.rule_id === 'flowlog-outbound-port');
  assert.ok(outbound, 'outbound 6667 report');
  assert.equal(outbound.report.alert_key, 'eni-0a1b2c3d4e5f60718:tcp/6667');
  const listed = views.find((v) => v.report.rule_id === 'flowlog-blocklisted-address');
  assert.ok(listed, 'blocklisted 203.0.113.9 report');
  // The pipeline's blocklist inspector agrees with the detector about the listed address.
  assert.ok(listed.report.findings.some((f) => f.inspector === 'blocklist' && f.attribute.value === '203.0.113.9'));
});

test('a file that is not there fails its SQS message (retried, then dead-lettered), not the batch; the retry reads it once it exists', async () => {
  const bucket = pipeline.runtime.env.ALERTWARDEN_BUCKET!;
  const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/late.json.gz';
  const event = s3Notification(bucket, key);
  const response = await createCloudTrailFilesHandler(getDeps)(event, context);
  assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: event.Records[0]!.messageId }]);
  // The failed read gave its claim back: the redelivery of the same message is not taken for a repeat.
  const stop = await record('cloudtrail-tampering');
  await pipeline.runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(JSON.stringify({ Records: [stop] })) }));
  const before = published.length;
  assert.deepEqual((await createCloudTrailFilesHandler(getDeps)(event, context)).batchItemFailures, []);
  assert.equal(published.length - before, 1, 'the retry published the file\'s alert');
  assert.ok(await reportWithEvent(stop.eventID!), 'and it reached a report');
});

test('a repeated S3 notification of a file already read is a no-op, in both file sources; a new write of the key is read', async () => {
  const bucket = pipeline.runtime.env.ALERTWARDEN_BUCKET!;
  const flowKey = 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/20/111122223333_vpcflowlogs_us-east-1_fl-1234abcd_20261120T1030Z_0a1b2c3d.log.gz';
  const lines = ['2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 203.0.113.9 49152 443 6 20 4249 1763633700 1763633760 ACCEPT OK', '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 49152 6667 6 20 4249 1763633700 1763633760 ACCEPT OK'];
  await pipeline.runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: flowKey, Body: gzipSync(lines.join('\n')) }));
  const written = { eTag: '0123456789abcdef0123456789abcdef', sequencer: '0065F1A2B3C4D5E6F7' };
  const flowFiles = createFlowLogFilesHandler(getDeps);
  const counts: number[] = [published.length];
  for (const object of [written, written, { ...written, sequencer: '0065F1A2B3C4D5E6F8' }]) {
    assert.deepEqual((await flowFiles(s3Notification(bucket, flowKey, object), context)).batchItemFailures, []);
    counts.push(published.length);
  }
  const perDelivery = counts.slice(1).map((n, i) => n - counts[i]!);
  console.log(`flow-log file alerts published per delivery (first, repeat, new write): ${perDelivery.join(', ')}`);
  assert.deepEqual(perDelivery, [2, 0, 2]);

  const trailKey = 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1030Z_e5F6a7B8.json.gz';
  const denied = await record('access-denied');
  await pipeline.runtime.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: trailKey, Body: gzipSync(JSON.stringify({ Records: [denied] })) }));
  const trailFiles = createCloudTrailFilesHandler(getDeps);
  const versioned = { versionId: '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY', eTag: 'fedcba9876543210fedcba9876543210', sequencer: '0065F1A2B3C4D5E6F9' };
  const trailCounts: number[] = [published.length];
  for (const object of [versioned, { ...versioned, sequencer: '0065F1A2B3C4D5E6FA' }]) {
    assert.deepEqual((await trailFiles(s3Notification(bucket, trailKey, object), context)).batchItemFailures, []);
    trailCounts.push(published.length);
  }
  const trailPerDelivery = trailCounts.slice(1).map((n, i) => n - trailCounts[i]!);
  console.log(`CloudTrail file alerts published per delivery (first, repeat of the same version): ${trailPerDelivery.join(', ')}`);
  assert.deepEqual(trailPerDelivery, [1, 0], 'the version id, not the sequencer, names a version in a versioned bucket');
  assert.ok(await reportWithEvent(denied.eventID!), 'the first delivery reached a report');
});
