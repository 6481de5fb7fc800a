/**
 * `alertwarden detect` and `alertwarden rules test`: the detectors on this machine.
 *
 *   alertwarden detect [--source cloudtrail|flowlogs|guardduty|securityhub] [--publish] FILE...|-
 *
 * stdout carries exactly one alert per line (JSONL), nothing else; what could not be read is
 * named on stderr. Without --source, GuardDuty and Security Hub findings are recognised, other
 * JSON input is read as CloudTrail and text as flow logs.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { formatReportSummary, sanitizeText } from '../core/summary.ts';
import type { Detection } from '../detectors/detect.ts';
import { runAllFixtures } from '../detectors/fixtures.ts';
import { keepFirstSeen, MemoryFirstSeenStore } from '../detectors/first-seen.ts';
import { createDetectors, detectAll, loadBlocklists } from '../detectors/index.ts';
import { readCloudTrail, readFlowLogs, textOf } from '../detectors/input.ts';
import { DETECTOR_ENV, loadDetectorSettings } from '../detectors/settings.ts';
import { findingSourceOf } from '../sources/index.ts';
import { alertsFromText, splitDocuments } from '../sources/read.ts';
import { LocalRuntime } from './runtime.ts';

export const DETECT_USAGE = `usage: alertwarden detect [--source cloudtrail|flowlogs|guardduty|securityhub] [options] FILE...|-
       alertwarden rules test

detect runs the built-in rules over CloudTrail records or VPC flow-log lines and prints each
alert as one JSON line on stdout. Reads JSON, JSONL, CloudTrail files ({"Records":[...]}),
EventBridge events, CloudWatch Logs subscription payloads, flow-log text with or without its
header line, and gzip of any of these. Folders are read file by file.

options:
  --source NAME      cloudtrail, flowlogs, guardduty or securityhub (default: findings are
                     recognised, other JSON input is cloudtrail, text is flowlogs); guardduty and
                     securityhub print what the adapter in sources/ makes of each finding
  --publish          also run the alerts through the local pipeline; report summaries go to stderr
  --blocklists LIST  blocklists for the flow-log blocklist rule (default: examples/blocklists/known-bad.txt)
  --flow-format F    field names of header-less flow-log lines (default: the v2 default format)

Rule settings come from ALERTWARDEN_DETECT_* variables (see README).
rules test runs every rule's positive and negative fixtures and prints PASS/FAIL per rule.
`;

export class DetectUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const SOURCES = ['cloudtrail', 'flowlogs', 'guardduty', 'securityhub'] as const;
type Source = (typeof SOURCES)[number];

const readStdin = async (): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** (name, bytes) of every input: files, folders (file by file, sorted) and `-`. */
const readInputs = async (inputs: string[]): Promise<{ name: string; data: Buffer }[]> => {
  const out: { name: string; data: Buffer }[] = [];
  for (const input of inputs) {
    if (input === '-') {
      out.push({ name: 'stdin', data: await readStdin() });
      continue;
    }
    const info = await stat(input).catch(() => {
      throw new DetectUsageError(`no such file or folder: ${input}`);
    });
    const files = info.isDirectory() ? (await readdir(input)).sort().map((f) => join(input, f)) : [input];
    for (const file of files) if ((await stat(file)).isFile()) out.push({ name: file, data: await readFile(file) });
  }
  return out;
};

/** GuardDuty and Security Hub findings, raw or in their EventBridge envelope, judged by the first document. */
const guessFindings = (text: string): Source | undefined => {
  const [first] = splitDocuments(text.slice(0, 4 * 1024 * 1024), 'input');
  try {
    return first ? findingSourceOf(JSON.parse(first.text)) : undefined;
  } catch {
    return undefined;
  }
};

/** Findings are mapped by sources/, not matched by rules: each becomes one alert, or a refusal naming its origin. */
const detectFindings = (text: string, name: string, source: 'guardduty' | 'securityhub', alerts: string[]) => {
  const outcome = alertsFromText(text, name, { source });
  for (const { alert } of outcome.alerts) {
    const line = JSON.stringify(alert);
    alerts.push(line);
    process.stdout.write(`${line}\n`);
  }
  const where = (origin: string, path: string) => sanitizeText(path ? `${origin} ${path}` : origin);
  for (const r of outcome.rejections) process.stderr.write(`${where(r.origin, r.path)}: ${sanitizeText(r.reason, 1000)}\n  input: ${r.excerpt.slice(0, 160)}\n`);
  for (const s of outcome.skipped) process.stderr.write(`${where(s.origin, s.path)}: skipped: ${sanitizeText(s.reason)}\n`);
  return { records: outcome.alerts.length + outcome.skipped.length, problems: outcome.rejections.length };
};

const guessSource = (text: string): Source => (/^\s*[[{]/.test(text) && !/"awslogs"|logEvents/.test(text.slice(0, 4096)) ? 'cloudtrail' : /^\s*[[{]/.test(text) ? guessLogsPayload(text) : 'flowlogs');

/** A CloudWatch Logs payload can carry either; its first message tells. */
const guessLogsPayload = (text: string): Source => (/"message"\s*:\s*"\{/.test(text) ? 'cloudtrail' : /"awslogs"/.test(text) ? 'cloudtrail' : 'flowlogs');

export const detectCommand = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      publish: { type: 'boolean', default: false },
      blocklists: { type: 'string' },
      'flow-format': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DETECT_USAGE);
    return 0;
  }
  const source = values.source as Source | undefined;
  if (source !== undefined && !SOURCES.includes(source)) {
    throw new DetectUsageError(`--source must be one of ${SOURCES.join(', ')} (got ${JSON.stringify(values.source)})`);
  }
  if (positionals.length === 0) throw new DetectUsageError('give at least one FILE, folder or - (standard input)');

  const env = {
    ...process.env,
    ALERTWARDEN_BLOCKLISTS: values.blocklists ?? process.env.ALERTWARDEN_BLOCKLISTS ?? 'examples/blocklists/known-bad.txt',
    ...(values['flow-format'] ? { [DETECTOR_ENV.flowLogFormat]: values['flow-format'] } : {}),
  };
  const detectors = createDetectors({ settings: loadDetectorSettings(env), blocklists: await loadBlocklists(env, () => new S3Client({})) });
  const store = new MemoryFirstSeenStore();
  const alerts: string[] = [];
  let records = 0;
  let problems = 0;
  for (const { name, data } of await readInputs(positionals)) {
    let text: string;
    try {
      text = textOf(data);
    } catch (error) {
      process.stderr.write(`${name}: cannot decompress: ${(error as Error).message}\n`);
      problems++;
      continue;
    }
    const kind = source ?? guessFindings(text) ?? guessSource(text);
    if (kind === 'guardduty' || kind === 'securityhub') {
      const read = detectFindings(text, name, kind, alerts);
      records += read.records;
      problems += read.problems;
      continue;
    }
    let detections: Detection[];
    let read: { records: unknown[]; problems: string[] };
    if (kind === 'cloudtrail') {
      const result = readCloudTrail(text, name);
      read = result;
      detections = detectAll(detectors.cloudtrail, result.records);
    } else {
      const result = readFlowLogs(text, name, detectors.settings.flowLogFormat);
      read = result;
      detections = detectAll(detectors.flowlogs, result.records);
    }
    records += read.records.length;
    problems += read.problems.length;
    for (const p of read.problems.slice(0, 20)) process.stderr.write(`${p}\n`);
    if (read.problems.length > 20) process.stderr.write(`${name}: ${read.problems.length - 20} more unreadable entries\n`);
    for (const d of await keepFirstSeen(detections, store)) {
      const line = JSON.stringify(d.alert);
      alerts.push(line);
      process.stdout.write(`${line}\n`);
    }
  }
  process.stderr.write(`alertwarden detect: ${records} record(s), ${alerts.length} alert(s)${problems ? `, ${problems} unreadable` : ''}\n`);
  if (values.publish && alerts.length) await publishLocally(alerts, env.ALERTWARDEN_BLOCKLISTS);
  // Nothing readable at all is a failure a script must see; some bad lines among good ones are not.
  return records === 0 && problems > 0 ? 1 : 0;
};

const publishLocally = async (alerts: string[], blocklists: string) => {
  const runtime = await LocalRuntime.start({ env: { ALERTWARDEN_EMITTERS: 'file', ALERTWARDEN_FILE_EMITTER_PATH: 'out/reports.jsonl', ALERTWARDEN_BLOCKLISTS: blocklists } });
  try {
    await runtime.publish(alerts);
    await runtime.drain();
    for (const { report, emissions } of await runtime.reports()) process.stderr.write(`\n${formatReportSummary(report, emissions)}\n`);
    for (const r of await runtime.rejections()) process.stderr.write(`rejected: ${r.reason}\n`);
  } finally {
    await runtime.stop();
  }
};

export const rulesCommand = async (argv: string[]): Promise<number> => {
  if (argv[0] !== 'test') throw new DetectUsageError('usage: alertwarden rules test');
  const outcomes = await runAllFixtures();
  for (const o of outcomes) {
    process.stdout.write(`${o.failures.length ? 'FAIL' : 'PASS'} ${o.ruleId} (${o.positives} positive, ${o.negatives} negative)\n`);
    for (const f of o.failures) process.stdout.write(`  - ${f}\n`);
  }
  const failed = outcomes.filter((o) => o.failures.length).length;
  process.stdout.write(`${outcomes.length - failed}/${outcomes.length} rules passed\n`);
  return failed ? 1 : 0;
};
