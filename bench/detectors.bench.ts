/**
 * npm run bench (detectors part) — figures, not a test: nothing here passes or fails.
 *
 * 1. CloudTrail: a 200k-record `{"Records":[…]}` file through every rule, as records/s and as
 *    a ratio to JSON.parse alone on the same text in the same run (goal >= 0.7: the rules
 *    should cost less than half of what parsing costs).
 * 2. VPC flow logs: 1M default-format lines through the flow-log rules (with a blocklist
 *    loaded), as lines/s (goal >= 1M/s on one core) and as a ratio to a plain line split:
 *    line by line (one string per line, as CloudWatch Logs delivers them) and read in place
 *    from the text (as S3 files are read). Only the reader and the rules are timed.
 * 3. The same lines as the S3 file source reads them (a gzip stream, decoded and read chunk
 *    by chunk, through the same rules), as lines/s and as a ratio to gunzip alone.
 *
 * Runs alternate baseline and measured passes and report the median CPU time, since the machine is shared.
 */
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import type { Detection } from '../detectors/detect.ts';
import { lineChunks } from '../detectors/sources/lines.ts';
import { detectFlowLogChunk, GUNZIP_CHUNK_BYTES } from '../detectors/sources/handle.ts';
import type { CloudTrailRecord } from '../detectors/cloudtrail/record.ts';
import { readFileSync } from 'node:fs';
import { allRules, loadFixtures } from '../detectors/fixtures.ts';
import { createDetectors, detectAll } from '../detectors/index.ts';
import { FlowLogLineReader, readCloudTrail } from '../detectors/input.ts';
import { loadDetectorSettings } from '../detectors/settings.ts';
import { parseBlocklist } from '../inspectors/blocklist/parse.ts';

const RECORDS = Number(process.env.BENCH_CLOUDTRAIL_RECORDS ?? 200_000);
const LINES = Number(process.env.BENCH_FLOW_LINES ?? 1_000_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 5);
/** BENCH_DETECTORS=flowlogs runs only the flow-log part. */
const ONLY = process.env.BENCH_DETECTORS ?? 'cloudtrail,flowlogs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/**
 * CPU milliseconds (user + system) of one pass: "per core" throughput, and far steadier than
 * wall time on a shared machine where other processes take the cores in turns.
 */
const time = (fn: () => unknown): number => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const timeAsync = async (fn: () => Promise<unknown>): Promise<number> => {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Mostly routine read-only calls, as real trails are, with every fixture (matching or not) mixed in. */
const cloudTrailFile = async (): Promise<string> => {
  const fixtures: CloudTrailRecord[] = [];
  for (const rule of allRules().filter((r) => r.source === 'cloudtrail')) {
    const f = await loadFixtures(rule.id);
    fixtures.push(...(f.positive as CloudTrailRecord[]), ...(f.negative as CloudTrailRecord[]));
  }
  const routine = ['DescribeInstances', 'GetObject', 'ListBuckets', 'AssumeRole', 'GetCallerIdentity', 'DescribeLogStreams', 'Decrypt', 'GetParameter'];
  const base = fixtures.find((r) => r.eventName === 'DescribeInstances' && !r.errorCode)!;
  const records: CloudTrailRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    if (i % 50 === 0) records.push({ ...fixtures[(i / 50) % fixtures.length]!, eventID: `bench-${i}` });
    else records.push({ ...base, eventName: routine[i % routine.length]!, eventID: `bench-${i}`, eventTime: new Date(Date.UTC(2026, 10, 20, 0, 0, i % 3600)).toISOString() });
  }
  return JSON.stringify({ Records: records });
};

const flowLogText = (): string => {
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const eni = `eni-0a1b2c3d4e5f6${(i % 9000 + 1000).toString(16).padStart(4, '0')}`;
    const local = `10.0.${(i >> 8) & 255}.${i & 255}`;
    const remote = i % 5000 === 0 ? '203.0.113.9' : `198.51.${(i >> 7) & 255}.${(i * 7) & 255}`;
    // Internet scanners knocking (rejected inbound, no alert) are common; our own odd traffic is rare.
    if (i % 20 === 0) lines.push(`2 111122223333 ${eni} ${remote} ${local} ${40000 + (i % 20000)} 22 6 1 40 1763633700 1763633760 REJECT OK`);
    else {
      const action = i % 2003 === 0 ? 'REJECT' : 'ACCEPT';
      const dport = i % 3001 === 0 ? 4444 : 443;
      lines.push(`2 111122223333 ${eni} ${local} ${remote} ${49152 + (i % 16000)} ${dport} 6 ${i % 40} ${i % 9000} 1763633700 1763633760 ${action} OK`);
    }
  }
  return lines.join('\n');
};

const cloudTrailPart = async (detectors: ReturnType<typeof createDetectors>) => {
  const text = await cloudTrailFile();
  let alerts = 0;
  const parseOnly: number[] = [];
  const withRules: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    parseOnly.push(time(() => JSON.parse(text)));
    withRules.push(
      time(() => {
        const read = readCloudTrail(text, 'bench');
        alerts = detectAll(detectors.cloudtrail, read.records).length;
      }),
    );
  }
  const parseRate = RECORDS / (median(parseOnly) / 1000);
  const ruleRate = RECORDS / (median(withRules) / 1000);
  console.log(`CloudTrail: ${fmt(RECORDS)} records (${(text.length / 1e6).toFixed(0)} MB), ${fmt(alerts)} alerts per pass`);
  console.log(`  JSON.parse only      ${fmt(parseRate)} records/s (${median(parseOnly).toFixed(0)} ms CPU)`);
  console.log(`  parse + all ${allRules().filter((r) => r.source === 'cloudtrail').length} rules ${fmt(ruleRate)} records/s (${median(withRules).toFixed(0)} ms CPU)`);
  console.log(`  ratio ${(ruleRate / parseRate).toFixed(2)} (goal >= 0.70)`);
};

const main = async () => {
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`\nDetectors benchmark (load average ${load}; ${PASSES} alternating passes, medians)`);

  const settings = loadDetectorSettings({});
  const blocklist = parseBlocklist(readFileSync('examples/blocklists/known-bad.txt', 'utf8'), 'known-bad', 'examples/blocklists/known-bad.txt');
  const detectors = createDetectors({ settings, blocklists: [blocklist] });

  if (ONLY.includes('cloudtrail')) await cloudTrailPart(detectors);
  if (!ONLY.includes('flowlogs')) return;

  // ---- Flow logs
  // Both ways lines arrive: CloudWatch Logs hands over one string per line (flat strings, as
  // JSON.parse makes them, prepared before timing); an S3 file is text read in place, chunk by
  // chunk. Each pass builds its own reader, and the count of records read proves every line
  // went through the parser.
  const flows = flowLogText();
  const messages = JSON.parse(JSON.stringify(flows.split('\n'))) as string[];
  let flowAlerts = 0;
  let flowRecords = 0;
  const splitOnly: number[] = [];
  const splitAndRead: number[] = [];
  const perLine: number[] = [];
  const inPlace: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    splitOnly.push(time(() => flows.split('\n').length));
    // The figure earlier runs reported (split included), kept so runs compare across changes.
    splitAndRead.push(
      time(() => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        for (const line of flows.split('\n')) {
          const record = reader.read(line);
          if (record) detectors.flowlogs.detect(record);
        }
      }),
    );
    perLine.push(
      time(() => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        let n = 0;
        for (const line of messages) {
          const record = reader.read(line);
          if (record) n += detectors.flowlogs.detect(record).length;
        }
        flowAlerts = n;
        flowRecords = reader.records;
      }),
    );
    inPlace.push(
      time(() => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        let n = 0;
        reader.readLines(flows, (record) => {
          n += detectors.flowlogs.detect(record).length;
        });
        if (n !== flowAlerts || reader.records !== flowRecords) throw new Error(`in-place read found ${n} alerts in ${reader.records} records, per-line ${flowAlerts} in ${flowRecords}`);
      }),
    );
  }
  const splitRate = LINES / (median(splitOnly) / 1000);
  const splitAndReadRate = LINES / (median(splitAndRead) / 1000);
  const perLineRate = LINES / (median(perLine) / 1000);
  const inPlaceRate = LINES / (median(inPlace) / 1000);
  console.log(`Flow logs: ${fmt(LINES)} lines (${(flows.length / 1e6).toFixed(0)} MB), ${fmt(flowRecords)} records and ${fmt(flowAlerts)} alerts per pass, blocklist loaded`);
  console.log(`  line split only              ${fmt(splitRate)} lines/s (${median(splitOnly).toFixed(0)} ms CPU)`);
  console.log(`  split + parse + 3 rules      ${fmt(splitAndReadRate)} lines/s (${median(splitAndRead).toFixed(0)} ms CPU) (the earlier runs' measure)`);
  console.log(`  parse + 3 rules, line by line ${fmt(perLineRate)} lines/s (${median(perLine).toFixed(0)} ms CPU) (goal >= 1,000,000; CloudWatch Logs)`);
  console.log(`  parse + 3 rules, text in place ${fmt(inPlaceRate)} lines/s (${median(inPlace).toFixed(0)} ms CPU) (goal >= 1,000,000; S3 files)`);
  console.log(`  ratio to the plain split: ${(perLineRate / splitRate).toFixed(2)} line by line, ${(inPlaceRate / splitRate).toFixed(2)} in place`);

  // ---- Flow-log file as the S3 file source reads it
  const gz = gzipSync(flows);
  const gunzipOnly: number[] = [];
  const fileRules: number[] = [];
  let fileAlerts = 0;
  for (let p = 0; p < PASSES; p++) {
    gunzipOnly.push(
      await timeAsync(async () => {
        for await (const _ of Readable.from([gz]).pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES })));
      }),
    );
    fileRules.push(
      await timeAsync(async () => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        const found: Detection[] = [];
        for await (const chunk of lineChunks(Readable.from([gz]).pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES })))) detectFlowLogChunk(chunk, reader, detectors.flowlogs, found);
        fileAlerts = found.length;
      }),
    );
  }
  const gunzipRate = LINES / (median(gunzipOnly) / 1000);
  const fileRate = LINES / (median(fileRules) / 1000);
  console.log(`Flow-log file: the same lines gzipped (${(gz.length / 1e6).toFixed(0)} MB), streamed as the S3 file source reads them, ${fmt(fileAlerts)} alerts per pass`);
  console.log(`  gunzip only          ${fmt(gunzipRate)} lines/s (${median(gunzipOnly).toFixed(0)} ms CPU)`);
  console.log(`  gunzip + lines + rules ${fmt(fileRate)} lines/s (${median(fileRules).toFixed(0)} ms CPU)`);
  console.log(`  ratio ${(fileRate / gunzipRate).toFixed(2)} to gunzip alone`);
  console.log(`(load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version})`);
};

await main();
