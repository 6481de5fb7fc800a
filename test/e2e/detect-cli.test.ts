/** `alertwarden detect` and `alertwarden rules test` as a user runs them. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { test } from 'vitest';
import { AlertSchema } from '../../core/alert.ts';
import { runCli } from '../support/cli.ts';

const run = (args: string[], stdin?: Buffer | string, env: NodeJS.ProcessEnv = {}) => runCli(args, stdin, { env });

const alertsOf = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => AlertSchema.parse(JSON.parse(line)));

test('detect on gzip CloudTrail from stdin prints only valid alerts, one per line, with the rule and record id', async () => {
  const file = await readFile('examples/detect/cloudtrail.json');
  const { Records } = JSON.parse(file.toString()) as { Records: { eventID: string; eventName: string }[] };
  const { code, stdout, stderr } = await run(['detect', '--source', 'cloudtrail', '-'], gzipSync(file));
  assert.equal(code, 0, stderr);
  const alerts = alertsOf(stdout);
  console.log(`detect: ${Records.length} records -> ${alerts.length} alerts`);
  assert.ok(alerts.length >= 19, `${alerts.length} alerts`);
  const stop = Records.find((r) => r.eventName === 'StopLogging')!;
  const tampering = alerts.filter((a) => a.rule_id === 'cloudtrail-tampering');
  assert.ok(tampering.some((a) => a.attributes.some((x) => x.type === 'event_id' && x.value === stop.eventID)), 'StopLogging alert carries its eventID');
  assert.match(stderr, /alertwarden detect: 88 record\(s\), \d+ alert\(s\)/);
});

test('detect reads a flow-log file by its header and reports unreadable lines on stderr only', async () => {
  const text = `${await readFile('examples/detect/flowlogs.log', 'utf8')}this line is not a flow log\n`;
  const { code, stdout, stderr } = await run(['detect', '-'], text);
  assert.equal(code, 0, stderr);
  const rules = new Set(alertsOf(stdout).map((a) => a.rule_id));
  assert.deepEqual([...rules].sort(), ['flowlog-blocklisted-address', 'flowlog-outbound-port', 'flowlog-reject-from-instance']);
  assert.match(stderr, /stdin:13: 7 fields where the format has 14/);
});

test('detect exits 1 when nothing could be read, 2 on a bad option', async () => {
  const bad = await run(['detect', '--source', 'cloudtrail', '-'], '{"detector":"x"}');
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.equal((await run(['detect', '--source', 'syslog', '-'])).code, 2);
});

test('rules test prints PASS per rule and exits 0', async () => {
  const { code, stdout } = await run(['rules', 'test']);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^PASS access-denied \(3 positive, 3 negative\)$/m);
  assert.match(stdout, /^19\/19 rules passed$/m);
});
