import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import { runInspector } from '../../core/testing.ts';
import { cloudTrailInspectorFromEnv, createCloudTrailInspector } from './index.ts';
import { summariseTrail } from './summary.ts';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const trail = mockClient(CloudTrailClient);
beforeEach(() => trail.reset());

let serial = 0;
/** A LookupEvents `Event` as CloudTrail returns it: its own fields plus the record as JSON text. */
const event = (fields: { name: string; source?: string; ip: string; agent?: string; error?: string; key?: string; readOnly?: boolean }): Event => {
  const eventTime = new Date(NOW - 60_000 * ++serial);
  const eventSource = fields.source ?? 'ec2.amazonaws.com';
  return {
    EventId: `0000000${serial}-aaaa-bbbb-cccc-dddddddddddd`,
    EventName: fields.name,
    ReadOnly: String(fields.readOnly ?? true),
    AccessKeyId: fields.key ?? 'AKIAIOSFODNN7EXAMPLE',
    EventTime: eventTime,
    EventSource: eventSource,
    Username: 'alice',
    Resources: [],
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAJQABLZS4A3QDU576Q',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accountId: '123456789012',
        accessKeyId: fields.key ?? 'AKIAIOSFODNN7EXAMPLE',
        userName: 'alice',
      },
      eventTime: eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource,
      eventName: fields.name,
      awsRegion: 'us-east-1',
      sourceIPAddress: fields.ip,
      userAgent: fields.agent ?? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
      ...(fields.error ? { errorCode: fields.error, errorMessage: 'You are not authorized to perform this operation.' } : {}),
      requestParameters: null,
      responseElements: null,
      requestID: 'req',
      eventID: 'evt',
      readOnly: fields.readOnly ?? true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    }),
  };
};

describe('aws-cloudtrail-history', () => {
  test('an access key: one filtered lookup over the window; counts, IPs, agents; probing flagged; its source IPs come back', async () => {
    const events = [
      ...['DescribeInstances', 'DescribeInstances'].map((name) => event({ name, ip: '198.51.100.7' })),
      event({ name: 'ListBuckets', source: 's3.amazonaws.com', ip: '198.51.100.7' }),
      ...['CreateUser', 'AttachUserPolicy', 'CreateAccessKey', 'PutBucketPolicy', 'RunInstances'].map((name) =>
        event({ name, source: name === 'RunInstances' ? 'ec2.amazonaws.com' : 'iam.amazonaws.com', ip: '185.220.101.50', agent: 'Boto3/1.34.0', error: name === 'RunInstances' ? 'Client.UnauthorizedOperation' : 'AccessDenied', readOnly: false }),
      ),
      event({ name: 'GetCallerIdentity', source: 'sts.amazonaws.com', ip: 'ec2.amazonaws.com' }),
    ];
    trail.on(LookupEventsCommand).resolves({ Events: events });
    const result = await runInspector(createCloudTrailInspector({ now: () => NOW, windowHours: 24 }), { type: 'aws_access_key_id', key: 'key', value: 'AKIAIOSFODNN7EXAMPLE' });
    assert.deepEqual(trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input), [
      {
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAIOSFODNN7EXAMPLE' }],
        StartTime: new Date(NOW - 24 * 3_600_000),
        EndTime: new Date(NOW),
        MaxResults: 50,
      },
    ]);
    const [summary, probe] = result.findings;
    assert.equal(summary?.title, '9 CloudTrail events in the last 24 h: ec2:DescribeInstances ×2, ec2:RunInstances ×1, iam:AttachUserPolicy ×1; 5 denied');
    assert.deepEqual(summary?.detail?.sourceIps, { '185.220.101.50': 5, '198.51.100.7': 3, 'ec2.amazonaws.com': 1 });
    assert.deepEqual(summary?.detail?.userAgents, { 'Boto3/1.34.0': 5, 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64': 4 });
    assert.deepEqual(summary?.detail?.errors, { AccessDenied: 4, 'Client.UnauthorizedOperation': 1 });
    assert.equal(summary?.detail?.writes, 5);
    assert.equal(summary?.detail?.scanned, 9);
    assert.equal(summary?.detail?.truncated, false);
    assert.equal(probe?.verdict, 'suspicious');
    assert.equal(probe?.title, '5 calls denied in 24 h: probing for permissions?');
    assert.deepEqual(result.newAttributes, [
      { type: 'ipaddr', key: 'source of AKIAIOSFODNN7EXAMPLE', value: '185.220.101.50', context: ['remote'] },
      { type: 'ipaddr', key: 'source of AKIAIOSFODNN7EXAMPLE', value: '198.51.100.7', context: ['remote'] },
    ]);
  });

  test('four denials are not a probe', async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [1, 2, 3, 4].map(() => event({ name: 'GetObject', ip: '198.51.100.7', error: 'AccessDenied' })) });
    const result = await runInspector(createCloudTrailInspector({ now: () => NOW }), { type: 'username', key: 'user', value: 'alice' });
    assert.deepEqual(trail.commandCalls(LookupEventsCommand)[0]?.args[0].input.LookupAttributes, [{ AttributeKey: 'Username', AttributeValue: 'alice' }]);
    assert.deepEqual(result.findings.map((f) => f.verdict), ['info']);
  });

  test('an IP: pages through the window unfiltered, keeps its events, stops at maxEvents and says so; the keys used from it come back', async () => {
    const page = (n: number, ip: string, key?: string) => Array.from({ length: n }, () => event({ name: 'ListBuckets', source: 's3.amazonaws.com', ip, ...(key ? { key } : {}) }));
    trail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [...page(48, '198.51.100.7'), ...page(2, '185.220.101.50', 'AKIAI44QH8DHBEXAMPLE')], NextToken: 't1' })
      .resolvesOnce({ Events: [...page(49, '198.51.100.7'), ...page(1, '185.220.101.50', 'AKIAI44QH8DHBEXAMPLE')], NextToken: 't2' })
      .resolvesOnce({ Events: page(20, '185.220.101.50'), NextToken: 't3' });
    const result = await runInspector(createCloudTrailInspector({ now: () => NOW, maxEvents: 120 }), { type: 'ipaddr', key: 'remote', value: '185.220.101.50' });
    const inputs = trail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    assert.deepEqual(inputs.map((i) => [i.LookupAttributes, i.MaxResults, i.NextToken]), [
      [undefined, 50, undefined],
      [undefined, 50, 't1'],
      [undefined, 20, 't2'],
    ]);
    const [summary] = result.findings;
    assert.equal(summary?.detail?.events, 23);
    assert.equal(summary?.detail?.scanned, 120);
    assert.equal(summary?.detail?.truncated, true);
    assert.deepEqual(result.newAttributes, [
      { type: 'aws_access_key_id', key: 'access key used from 185.220.101.50', value: 'AKIAI44QH8DHBEXAMPLE', context: ['subject'] },
      { type: 'aws_access_key_id', key: 'access key used from 185.220.101.50', value: 'AKIAIOSFODNN7EXAMPLE', context: ['subject'] },
    ]);
  });

  test('an IP written as IPv4-mapped IPv6 matches the plain form CloudTrail records', async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [event({ name: 'ListBuckets', ip: '185.220.101.50' }), event({ name: 'ListBuckets', ip: '198.51.100.7' })] });
    const result = await runInspector(createCloudTrailInspector({ now: () => NOW }), { type: 'ipaddr', key: 'remote', value: '::ffff:185.220.101.50' });
    assert.equal(result.findings[0]?.detail?.events, 1);
  });

  test('a record with a forged event name (control characters, 5,000 characters) still makes one short plain title', async () => {
    const forged = event({ name: 'x', ip: '198.51.100.7' });
    forged.CloudTrailEvent = forged.CloudTrailEvent!.replace('"eventName":"x"', `"eventName":${JSON.stringify(`Get\r\nFAKE\u202e${'A'.repeat(5000)}`)}`);
    trail.on(LookupEventsCommand).resolves({ Events: [forged] });
    const [summary] = (await runInspector(createCloudTrailInspector({ now: () => NOW }), { type: 'username', key: 'u', value: 'alice' })).findings;
    assert.doesNotMatch(summary!.title, /[\r\n\u202e]/);
    assert.ok(summary!.title.length < 200, `title of ${summary!.title.length} characters`);
  });

  test('special-purpose addresses are not scanned for', async () => {
    for (const value of ['127.0.0.1', '169.254.169.254', 'ff02::1']) {
      assert.deepEqual(await runInspector(createCloudTrailInspector(), { type: 'ipaddr', key: 'r', value }), { findings: [] });
    }
    assert.equal(trail.calls().length, 0);
  });

  test('nothing in the window: no finding', async () => {
    trail.on(LookupEventsCommand).resolves({ Events: [] });
    assert.deepEqual(await runInspector(createCloudTrailInspector(), { type: 'username', key: 'u', value: 'nobody' }), { findings: [] });
  });

  test('configuration is checked at load', () => {
    assert.throws(() => cloudTrailInspectorFromEnv({ ALERTWARDEN_CLOUDTRAIL_WINDOW_HOURS: '3000' }), /90 days/);
    assert.throws(() => cloudTrailInspectorFromEnv({ ALERTWARDEN_CLOUDTRAIL_MAX_EVENTS: 'lots' }), /not a number/);
    assert.equal(cloudTrailInspectorFromEnv({ ALERTWARDEN_CLOUDTRAIL_WINDOW_HOURS: '72' }).name, 'aws-cloudtrail-history');
  });
});

test('a record without an event source or time still counts', () => {
  const summary = summariseTrail([{ eventName: 'X' }, { eventName: 'X', errorCode: 'AccessDeniedException' }, {}]);
  assert.deepEqual(summary.byEventName, { X: 2 });
  assert.equal(summary.denied, 1);
  assert.equal(summary.events, 3);
});
