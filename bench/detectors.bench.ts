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
 *    The same again with a blocklist of a real feed's size loaded beside it (BENCH_BLOCKLIST_RANGES,
 *    100k: /24s and single addresses over the whole IPv4 space, 512 of them among the bench's
 *    remote addresses but none equal to one, so the alerts stay the same and only lookups cost more).
 * 3. The same lines as the S3 file source reads them (a gzip stream, decoded and read chunk
 *    by chunk, through the same rules), as lines/s and as a ratio to gunzip alone.
 *
 * Runs alternate baseline and measured passes and report the median CPU time, since the machine is
 * shared: of the whole process, and for the flow-log rules of the main thread alone too.
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
const BLOCKLIST_RANGES = Number(process.env.BENCH_BLOCKLIST_RANGES ?? 100_000);
/** BENCH_DETECTORS=flowlogs runs only the flow-log part. */
const ONLY = process.env.BENCH_DETECTORS ?? 'cloudtrail,flowlogs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time of the calling thread (Linux; 10 ms ticks), NaN elsewhere. */
const threadCpuMs = (): number => {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
};

/** One timed pass: CPU ms of the whole process (user + system) and of the main thread alone. */
interface Pass {
  cpu: number;
  main: number;
}
const cpuOf = (passes: Pass[]) => median(passes.map((p) => p.cpu));
const mainOf = (passes: Pass[]) => median(passes.map((p) => p.main));

/**
 * CPU time of one pass: "per core" throughput, and far steadier than wall time on a shared
 * machine where other processes take the cores in turns. The process figure (the one rates are
 * given in) includes V8's helper threads, mostly collection, whose share varies with what the
 * heap holds; the main thread's is the JavaScript alone. Passes run back to back: a forced full
 * collection before each made them slower, main thread included (480 -> 670-730 ms per million
 * flow-log lines on Node 22).
 */
const time = async (fn: () => unknown): Promise<Pass> => timeAsync(async () => fn());
const timeAsync = async (fn: () => Promise<unknown>): Promise<Pass> => {
  const c0 = process.cpuUsage();
  const m0 = threadCpuMs();
  await fn();
  const m1 = threadCpuMs();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, main: m1 - m0 };
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

/**
 * A blocklist the size of a large threat feed: /24s and single addresses spread over the whole
 * IPv4 space (deterministic), none holding an address of `flows`, and 512 single addresses in
 * the /16 of the bench's remote addresses, so lookups there search among them.
 */
const bigBlocklistText = (flows: string): string => {
  const used = new Set(flows.match(/\b198\.51\.\d+\.\d+\b/g));
  let seed = 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const quad = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  const lines: string[] = [];
  for (let k = 0; lines.length < 512 && k < 65536; k++) {
    const address = quad(0xc6330000 + ((k * 97) % 65536)); // 198.51.0.0/16, spread over it
    if (!used.has(address)) lines.push(address);
  }
  while (lines.length < BLOCKLIST_RANGES) {
    const n = random();
    const top = n >>> 24;
    // Not in the bench's own /16s, our 10/8 or the sample list's ranges: the alerts must not change.
    if (top === 10 || top === 198 || top === 203) continue;
    lines.push(n % 2 ? quad(n) : `${quad(n & 0xffffff00)}/24`);
  }
  return lines.join('\n');
};

const cloudTrailPart = async (detectors: ReturnType<typeof createDetectors>) => {
  const text = await cloudTrailFile();
  let alerts = 0;
  const parseOnly: Pass[] = [];
  const withRules: Pass[] = [];
  for (let p = 0; p < PASSES; p++) {
    parseOnly.push(await time(() => JSON.parse(text)));
    withRules.push(
      await time(() => {
        const read = readCloudTrail(text, 'bench');
        alerts = detectAll(detectors.cloudtrail, read.records).length;
      }),
    );
  }
  const parseRate = RECORDS / (cpuOf(parseOnly) / 1000);
  const ruleRate = RECORDS / (cpuOf(withRules) / 1000);
  console.log(`CloudTrail: ${fmt(RECORDS)} records (${(text.length / 1e6).toFixed(0)} MB), ${fmt(alerts)} alerts per pass`);
  console.log(`  JSON.parse only      ${fmt(parseRate)} records/s (${cpuOf(parseOnly).toFixed(0)} ms CPU)`);
  console.log(`  parse + all ${allRules().filter((r) => r.source === 'cloudtrail').length} rules ${fmt(ruleRate)} records/s (${cpuOf(withRules).toFixed(0)} ms CPU)`);
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
  const splitOnly: Pass[] = [];
  const splitAndRead: Pass[] = [];
  const perLine: Pass[] = [];
  const inPlace: Pass[] = [];
  for (let p = 0; p < PASSES; p++) {
    splitOnly.push(await time(() => flows.split('\n').length));
    // The figure earlier runs reported (split included), kept so runs compare across changes.
    splitAndRead.push(
      await time(() => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        for (const line of flows.split('\n')) {
          const record = reader.read(line);
          if (record) detectors.flowlogs.detect(record);
        }
      }),
    );
    perLine.push(
      await time(() => {
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
      await time(() => {
        const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
        let n = 0;
        reader.readLines(flows, (record) => {
          n += detectors.flowlogs.detect(record).length;
        });
        if (n !== flowAlerts || reader.records !== flowRecords) throw new Error(`in-place read found ${n} alerts in ${reader.records} records, per-line ${flowAlerts} in ${flowRecords}`);
      }),
    );
  }
  const splitRate = LINES / (cpuOf(splitOnly) / 1000);
  const splitAndReadRate = LINES / (cpuOf(splitAndRead) / 1000);
  const perLineRate = LINES / (cpuOf(perLine) / 1000);
  const inPlaceRate = LINES / (cpuOf(inPlace) / 1000);
  console.log(`Flow logs: ${fmt(LINES)} lines (${(flows.length / 1e6).toFixed(0)} MB), ${fmt(flowRecords)} records and ${fmt(flowAlerts)} alerts per pass, blocklist loaded`);
  console.log(`  line split only              ${fmt(splitRate)} lines/s (${cpuOf(splitOnly).toFixed(0)} ms CPU)`);
  console.log(`  split + parse + 3 rules      ${fmt(splitAndReadRate)} lines/s (${cpuOf(splitAndRead).toFixed(0)} ms CPU) (the earlier runs' measure)`);
  console.log(`  parse + 3 rules, line by line ${fmt(perLineRate)} lines/s (${cpuOf(perLine).toFixed(0)} ms CPU, main thread ${mainOf(perLine)}) (goal >= 1,000,000; CloudWatch Logs)`);
  console.log(`  parse + 3 rules, text in place ${fmt(inPlaceRate)} lines/s (${cpuOf(inPlace).toFixed(0)} ms CPU, main thread ${mainOf(inPlace)}) (goal >= 1,000,000; S3 files)`);
  console.log(`  ratio to the plain split: ${(perLineRate / splitRate).toFixed(2)} line by line, ${(inPlaceRate / splitRate).toFixed(2)} in place`);

  // ---- The same lines with a blocklist of a real feed's size loaded too
  if (BLOCKLIST_RANGES > 0) {
    const big = parseBlocklist(bigBlocklistText(flows), 'big-feed', 'bench');
    const bigDetectors = createDetectors({ settings, blocklists: [blocklist, big] });
    const bigPerLine: Pass[] = [];
    const bigInPlace: Pass[] = [];
    for (let p = 0; p < PASSES; p++) {
      bigPerLine.push(
        await time(() => {
          const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
          let n = 0;
          for (const line of messages) {
            const record = reader.read(line);
            if (record) n += bigDetectors.flowlogs.detect(record).length;
          }
          if (n !== flowAlerts) throw new Error(`with the big blocklist ${n} alerts, without ${flowAlerts}`);
        }),
      );
      bigInPlace.push(
        await time(() => {
          const reader = new FlowLogLineReader('bench', settings.flowLogFormat);
          let n = 0;
          reader.readLines(flows, (record) => {
            n += bigDetectors.flowlogs.detect(record).length;
          });
          if (n !== flowAlerts) throw new Error(`with the big blocklist ${n} alerts in place, without ${flowAlerts}`);
        }),
      );
    }
    console.log(`  with a ${fmt(big.addresses.size)}-range blocklist too: line by line ${fmt(LINES / (cpuOf(bigPerLine) / 1000))} lines/s (${cpuOf(bigPerLine).toFixed(0)} ms CPU, main thread ${mainOf(bigPerLine)}), in place ${fmt(LINES / (cpuOf(bigInPlace) / 1000))} lines/s (${cpuOf(bigInPlace).toFixed(0)} ms CPU, main thread ${mainOf(bigInPlace)})`);
  }

  // ---- Flow-log file as the S3 file source reads it
  const gz = gzipSync(flows);
  const gunzipOnly: Pass[] = [];
  const fileRules: Pass[] = [];
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
  const gunzipRate = LINES / (cpuOf(gunzipOnly) / 1000);
  const fileRate = LINES / (cpuOf(fileRules) / 1000);
  console.log(`Flow-log file: the same lines gzipped (${(gz.length / 1e6).toFixed(0)} MB), streamed as the S3 file source reads them, ${fmt(fileAlerts)} alerts per pass`);
  console.log(`  gunzip only          ${fmt(gunzipRate)} lines/s (${cpuOf(gunzipOnly).toFixed(0)} ms CPU)`);
  console.log(`  gunzip + lines + rules ${fmt(fileRate)} lines/s (${cpuOf(fileRules).toFixed(0)} ms CPU)`);
  console.log(`  ratio ${(fileRate / gunzipRate).toFixed(2)} to gunzip alone`);
  console.log(`(load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version})`);
};

await main();
