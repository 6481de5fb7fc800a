import { describe, expect, test } from 'vitest';
import { gzipSync } from 'node:zlib';
import { loadFixtures } from './fixtures.ts';
import { decodeLogsSubscription, readCloudTrail, readFlowLogs, textOf } from './input.ts';
import { DEFAULT_FLOW_LOG_FORMAT } from './settings.ts';

const records = async () => (await loadFixtures('cloudtrail-tampering')).positive as { eventID: string }[];
const ids = (r: { records: { eventID?: string }[] }) => r.records.map((x) => x.eventID);

/** What CloudWatch Logs hands a subscribed Lambda: gzip + base64 of the payload. */
const awslogs = (payload: unknown) => ({ awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } });

describe('reading CloudTrail', () => {
  test('a gzip CloudTrail file, a JSON array, JSONL and an EventBridge event give the same records', async () => {
    const rs = await records();
    const file = textOf(gzipSync(JSON.stringify({ Records: rs })));
    const jsonl = rs.map((r) => JSON.stringify(r)).join('\n');
    const events = rs.map((r) => JSON.stringify({ version: '0', id: 'x', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.cloudtrail', detail: r })).join('\n');
    for (const text of [file, JSON.stringify(rs), jsonl, events]) {
      expect(ids(readCloudTrail(text, 'in'))).toEqual(rs.map((r) => r.eventID));
    }
  });

  test('a CloudWatch Logs subscription payload: data messages read, control messages skipped', async () => {
    const rs = await records();
    const data = awslogs({ messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: 'aws-cloudtrail-logs', logStream: 's', subscriptionFilters: ['f'], logEvents: rs.map((r, i) => ({ id: String(i), timestamp: 1, message: JSON.stringify(r) })) });
    const control = awslogs({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] });
    expect(ids(readCloudTrail(JSON.stringify(data), 'in'))).toEqual(rs.map((r) => r.eventID));
    expect(readCloudTrail(JSON.stringify(control), 'in')).toEqual({ records: [], problems: [] });
  });

  test('what is not a record is named by line or path, and the rest is still read', async () => {
    const [r] = await records();
    const out = readCloudTrail(`${JSON.stringify(r)}\n{oops\n{"detector":"x"}\n`, 'trail.jsonl');
    expect(ids(out)).toEqual([r!.eventID]);
    expect(out.problems).toEqual(['trail.jsonl:2: not JSON', 'trail.jsonl:3: not a CloudTrail record (no eventName and eventSource)']);
    expect(readCloudTrail(JSON.stringify({ Records: [r, 7] }), 'f.json').problems).toEqual(['f.json.Records[1]: not a CloudTrail record (a number)']);
  });

  test('a broken awslogs payload names the field', () => {
    expect(() => decodeLogsSubscription('bm90IGd6aXA=')).toThrow('awslogs.data: is not gzip-compressed JSON in base64');
  });
});

describe('reading flow logs', () => {
  const v2 = '2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 49152 443 6 20 4249 1763633700 1763633760 ACCEPT OK';

  test('an S3 file header sets a custom format, - reads as missing', () => {
    const text = 'version vpc-id interface-id srcaddr dstaddr srcport dstport protocol action flow-direction\n5 vpc-0a1b2c3d eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 49152 443 6 ACCEPT egress\n5 vpc-0a1b2c3d eni-0a1b2c3d4e5f60718 - - - - - - -\n';
    const out = readFlowLogs(text, 'f', DEFAULT_FLOW_LOG_FORMAT);
    expect(out.problems).toEqual([]);
    expect(out.records[0]).toMatchObject({ vpcId: 'vpc-0a1b2c3d', dstport: '443', flowDirection: 'egress', start: undefined });
    expect(out.records[1]).toMatchObject({ srcaddr: undefined, action: undefined });
  });

  test('header-less lines use the given format; a line of the wrong width is named', () => {
    const out = readFlowLogs(`${v2}\n2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25\n`, 'f.log', DEFAULT_FLOW_LOG_FORMAT);
    expect(out.records).toHaveLength(1);
    expect(out.problems).toEqual(['f.log:2: 4 fields where the format has 14']);
  });

  test('a CloudWatch Logs payload of flow-log lines', () => {
    const out = readFlowLogs(JSON.stringify(awslogs({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 1, message: v2 }] })), 'cwl', DEFAULT_FLOW_LOG_FORMAT);
    expect(out.records.map((r) => r.srcaddr)).toEqual(['10.0.1.25']);
  });

  test('a header with an unknown field is refused with its position', () => {
    expect(() => readFlowLogs('version srcaddr bogus-field\n', 'f.log', DEFAULT_FLOW_LOG_FORMAT)).toThrow('f.log:1 field 3: "bogus-field" is not a flow-log field');
  });
});
