/**
 * The CLI with what security tools really send: rejections traced to file and line in the
 * user's own text, the exit code when nothing could be used, and `detect --source guardduty|securityhub`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { AlertSchema } from '../../core/alert.ts';
import type { Report } from '../../core/report.ts';
import { runCli } from '../support/cli.ts';

const cli = (args: string[], stdin = '') => runCli(args, stdin);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-sources-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('alertwarden run', () => {
  test('a rejection names the file and line and quotes the line as written, not an SNS envelope', async () => {
    const path = await file(
      'mixed.jsonl',
      [JSON.stringify({ detector: 'cli', rule_id: 'ok', alert_key: 'mixed' }), '{"detector":"cli","alert_key":"x"}', '', 'root login detected'].join('\n'),
    );
    const { code, stdout, stderr } = await cli(['run', '--delay', '0', '--out', join(dir, 'out-mixed'), path]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`- ${path}:2: invalid alert: rule_id: rule_id is required\\n {4}input: \\{"detector":"cli","alert_key":"x"\\}\\n`));
    assert.match(stdout, new RegExp(`- ${path}:4: invalid alert: the SNS Message is not valid JSON .*\\n {4}input: root login detected\\n`));
    assert.doesNotMatch(stdout, /Notification|TopicArn/);
  });

  test('an item of an array is named by its index; --json keeps the trace on stderr', async () => {
    const path = await file('array.json', JSON.stringify([{ detector: 'cli', rule_id: 'ok', alert_key: 'array' }, { rule_id: 'no-detector' }]));
    const { code, stdout, stderr } = await cli(['run', '--json', '--delay', '0', '--out', join(dir, 'out-array'), path]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, 1, 'one report on stdout, nothing else');
    assert.match(stderr, new RegExp(`rejected: ${path}\\[1\\]: invalid alert: detector: detector is required`));
  });

  test('exits non-zero when every input was rejected, and when there was nothing to process', async () => {
    const rejected = await cli(['run', '--delay', '0', '--out', join(dir, 'out-bad'), await file('bad.jsonl', '{"rule_id":"r"}\nnot json\n')]);
    assert.equal(rejected.code, 1, rejected.stderr);
    assert.match(rejected.stderr, /every input was rejected/);
    const empty = await cli(['run', '--delay', '0', '--out', join(dir, 'out-empty'), await file('empty.jsonl', '\n\n')]);
    assert.equal(empty.code, 1, empty.stderr);
    assert.match(empty.stderr, /nothing to process/);
  });

  test('a GuardDuty finding file is read as it is, and its severity 8 makes a high report', async () => {
    const { code, stdout, stderr } = await cli(['run', '--json', '--delay', '0', '--out', join(dir, 'out-gd'), 'sources/guardduty/fixtures/eventbridge-credential-exfiltration.json']);
    assert.equal(code, 0, stderr);
    const [report] = stdout.trim().split('\n').map((line) => JSON.parse(line) as Report);
    assert.equal(report?.detector, 'guardduty');
    assert.equal(report?.verdict?.severity, 'high');
  });
});

describe('alertwarden detect --source guardduty|securityhub', () => {
  test('prints each mapped alert as one JSON line with its source severity, and nothing else on stdout', async () => {
    const { code, stdout, stderr } = await cli([
      'detect',
      '--source',
      'guardduty',
      'sources/guardduty/fixtures/raw-port-probe.json',
      'sources/guardduty/fixtures/sample-backdoor-dns.json',
      'sources/guardduty/fixtures/no-type.json',
    ]);
    assert.equal(code, 0, stderr);
    const alerts = stdout.trim().split('\n').map((line) => AlertSchema.parse(JSON.parse(line)));
    assert.deepEqual(
      alerts.map((a) => [a.rule_id, a.source_severity?.level]),
      [
        ['Recon:EC2/PortProbeUnprotectedPort', 'low'],
        ['Backdoor:EC2/C&CActivity.B!DNS', 'high'],
      ],
    );
    assert.match(stderr, /sources\/guardduty\/fixtures\/no-type\.json: invalid alert: type: type is required/);
  });

  test('recognises Security Hub output without --source, naming each refused or skipped finding', async () => {
    const { code, stdout, stderr } = await cli(['detect', 'sources/securityhub/fixtures/get-findings-controls.json']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split('\n').map((line) => (JSON.parse(line) as { rule_id: string }).rule_id), ['IAM.4', 'AWSInspector']);
    assert.match(stderr, /get-findings-controls\.json Findings\[2\]: invalid alert: Findings\[2\]\.Id: Id is required/);
    assert.match(stderr, /get-findings-controls\.json Findings\[1\]: skipped: .*workflow status RESOLVED/);
  });

  test('`aws guardduty get-findings` output and a Security Hub OCSF event, recognised with and without --source', async () => {
    for (const args of [['detect', '--source', 'guardduty'], ['detect']]) {
      const { code, stdout, stderr } = await cli([...args, 'sources/guardduty/fixtures/cli-get-findings.json']);
      assert.equal(code, 0, stderr);
      const alerts = stdout.trim().split('\n').map((line) => AlertSchema.parse(JSON.parse(line)));
      assert.deepEqual(
        alerts.map((a) => [a.detector, a.rule_id, a.source_severity?.level]),
        [
          ['guardduty', 'Recon:EC2/PortProbeUnprotectedPort', 'low'],
          ['guardduty', 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', 'high'],
        ],
      );
    }
    const ocsf = await cli(['detect', 'sources/securityhub/fixtures/eventbridge-ocsf-detection.json']);
    assert.equal(ocsf.code, 0, ocsf.stderr);
    const [alert] = ocsf.stdout.trim().split('\n').map((line) => AlertSchema.parse(JSON.parse(line)));
    assert.deepEqual([alert?.detector, alert?.rule_id, alert?.source_severity?.level], ['securityhub', 'Backdoor:EC2/C&CActivity.B!DNS', 'high']);
  });

  test('asked for GuardDuty, anything else is refused and the exit code says nothing was usable', async () => {
    const { code, stdout, stderr } = await cli(['detect', '--source', 'guardduty', '-'], JSON.stringify({ detector: 'd', rule_id: 'r' }));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^stdin: invalid alert: expected a GuardDuty finding \(--source guardduty\), found an AlertWarden alert/);
  });
});
