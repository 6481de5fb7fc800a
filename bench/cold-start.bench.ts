/**
 * Cold start of each Lambda handler, measured on the deployed artifact: `sls package` (offline)
 * writes the zips, each is unpacked OUTSIDE the project (so nothing resolves from its
 * node_modules: a zip that needed a package it lacks fails here) and run in fresh Node
 * processes. Printed per function, as medians of fresh processes:
 *
 *   - Init: `import()` of the handler file, what Lambda's Init phase runs, wall and CPU time,
 *     each as a ratio to importing an empty module in the same run (goal <= 15x);
 *   - Init + first invocation: the same process then handles one representative event, the
 *     cold-start latency a caller sees. Work moved out of Init shows up here, as a ratio to an
 *     empty module whose handler returns at once;
 *   - the CPU of Init + first invocation split in two: importing the handler module (the code
 *     the entry loads on the first invocation), and handling the event (which may load more:
 *     SDK clients and plugins are imported on first use);
 *   - sizes: what loads at Init, and the zip;
 *   - Init + first event beside its floor: after each function's process, in the same round, a
 *     process of bench/cold-start-floor.ts, a handler bundled with serverless.yml's esbuild
 *     settings and the same SDK (checked: one function rebuilt so must equal its zip byte for
 *     byte), that creates the same SDK clients and sends the AWS operations that function's
 *     first event sent (recorded by relays in front of the local servers and by the stub), once
 *     each, and nothing else. The floor is what a function that must call AWS pays; the rest,
 *     printed as "ours", is this project's code: loading it, zod, middy, plugins, the further
 *     calls, the work.
 *
 * The probe imports node:http before it starts timing: the SDK loads it only for an http://
 * endpoint, as the local servers have, and its ESM facade costs ~40 ms of CPU (undici) that a
 * Lambda calling https:// endpoints does not pay.
 *
 * The events are what each function gets in the deployed pipeline, for a new report each
 * process: ingest an SNS-wrapped GuardDuty alert from SQS, then planInspection, inspect,
 * review, emit, recordFailure and finishRun on that report, chained on the previous answers;
 * the detector sources a CloudTrail record and flow-log lines that each raise an alert
 * (EventBridge, CloudWatch Logs subscription, S3 notification of a gzip file). DynamoDB and S3
 * are dynalite and s3rver (local/servers.ts); Step Functions StartExecution and SNS PublishBatch
 * are answered by a loopback stub, so no call leaves the machine.
 *
 * Baseline in the same run beside the empty module: the DynamoDB client + lib-dynamodb imported
 * from node_modules as separate packages, the way the Lambda runtime's own SDK copy loads.
 *
 *   npm run bench bench/cold-start.bench.ts          (COLD_START_RUNS=5, COLD_START_INIT_RUNS=10 by default)
 *   COLD_START_PACKAGE=DIR      measure what an earlier `sls package --package DIR` wrote
 *   COLD_START_BASELINE=DIR     also measure that package (main's, say), interleaved, and print the change
 *   COLD_START_CPU_PROF=DIR     write a CPU profile of every process there
 *   COLD_START_NODE=PATH        run the handlers with that Node binary (this one by default)
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build as esbuild, type BuildOptions } from 'esbuild';
import { LOCAL_CREDENTIALS, localServerEnv, startLocalServers } from '../local/servers.ts';
import { bytesOf, esbuildOptionsOf, FUNCTIONS, handlerModuleOf, moduleGraph, readZip } from '../test/deploy/bundles.ts';
import { FLOOR_OBJECT_KEY, type FloorCall, type FloorEvent } from './cold-start-floor.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.COLD_START_RUNS ?? 5);
// The Node binary that runs the handlers: this one, or COLD_START_NODE (e.g. a Node 22, as Lambda's nodejs22.x).
const NODE = process.env.COLD_START_NODE ?? process.execPath;
const INIT_RUNS = Number(process.env.COLD_START_INIT_RUNS ?? 2 * RUNS);
const TABLE = 'alertwarden-bench';
const BUCKET = 'alertwarden-bench-reports';
const ACCOUNT = '111122223333';

// argv: module, [event file, result file, handler module]. Times import() (Init), then, when
// given, the import of the handler module the entry loads on the first invocation (the same
// module instance the invocation then uses), then one invocation; writes {init, loaded, total,
// outcome} to the result file (stdout belongs to the handler's logs).
const PROBE = `
import { readFileSync, writeFileSync } from 'node:fs';
const [spec, eventFile, resultFile, handlerModule] = process.argv.slice(2);
const event = eventFile ? JSON.parse(readFileSync(eventFile, 'utf8')) : undefined;
const context = { functionName: 'cold-start-bench', functionVersion: '$LATEST', awsRequestId: 'cold-start-bench', invokedFunctionArn: 'arn:aws:lambda:us-east-1:${ACCOUNT}:function:cold-start-bench', memoryLimitInMB: '512', logGroupName: '/aws/lambda/cold-start-bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 };
const cpu = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
// Not timed: the SDK imports node:http only for an http:// endpoint (the local servers here; AWS's
// are https://), and an ESM import of node:http builds its facade, whose WebSocket getter loads
// undici (~40 ms of CPU) — a cost of this bench, not of Lambda. Loaded first, it is the same for all.
await import('node:http');
const c0 = process.cpuUsage();
const t0 = performance.now();
const { handler } = await import(spec);
const init = [performance.now() - t0, cpu(c0)];
if (handlerModule) await import(handlerModule);
const loaded = [performance.now() - t0, cpu(c0)];
let outcome = null;
if (eventFile) {
  try { outcome = { result: (await handler(event, context)) ?? null }; } catch (e) { outcome = { error: e?.name + ': ' + e?.message }; }
}
const total = [performance.now() - t0, cpu(c0)];
if (resultFile) writeFileSync(resultFile, JSON.stringify({ init, loaded, total, outcome }));
else process.stdout.write(JSON.stringify({ init, total }));
process.exit(0);
`;

interface Timing {
  init: [number, number];
  /** Init + the handler module's import: what loading the code costs before the handler runs. */
  loaded: [number, number];
  total: [number, number];
  outcome: { result?: unknown; error?: string } | null;
}

/** StartExecution (JSON) and PublishBatch (query/XML), answered at once; the inputs are kept. */
const startAwsStub = async (calls: FloorCall[]) => {
  const executions: { reportId: string; round: number }[] = [];
  let published = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.endsWith('.StartExecution')) {
        calls.push({ service: 'sfn', operation: 'StartExecution' });
        const { input } = JSON.parse(body) as { input: string };
        const started = JSON.parse(input) as { reportId: string; round: number; floor?: true };
        if (!started.floor) executions.push(started);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:bench:${executions.length}`, startDate: Date.now() / 1000 }));
        return;
      }
      const form = new URLSearchParams(body);
      if (form.get('Action') === 'PublishBatch') {
        calls.push({ service: 'sns', operation: 'PublishBatch' });
        const ids = [...form].filter(([k]) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(k)).map(([, v]) => v);
        if (!body.includes(encodeURIComponent('"floor":true'))) published += ids.length;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${ids
            .map((id) => `<member><Id>${id}</Id><MessageId>${randomUUID()}</MessageId></member>`)
            .join('')}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></PublishBatchResponse>`,
        );
        return;
      }
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `the cold-start stub does not answer ${target || form.get('Action')}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    executions,
    published: () => published,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const sqsEvent = (body: string, source: string) => ({
  Records: [
    {
      messageId: randomUUID(),
      receiptHandle: 'bench',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:${source}`,
      awsRegion: 'us-east-1',
    },
  ],
});

const awslogs = (logGroup: string, messages: string[]) => ({
  awslogs: {
    data: gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: ACCOUNT,
        logGroup,
        logStream: 'bench',
        subscriptionFilters: ['alertwarden'],
        logEvents: messages.map((message, i) => ({ id: String(i), timestamp: Date.now(), message })),
      }),
    ).toString('base64'),
  },
});

const s3Notification = (key: string) =>
  sqsEvent(
    JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventName: 'ObjectCreated:Put',
          s3: { s3SchemaVersion: '1.0', bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, object: { key, size: 1, eTag: randomUUID(), sequencer: randomUUID().replace(/-/g, '') } },
        },
      ],
    }),
    'alertwarden-log-files',
  );

/**
 * A loopback relay in front of a local server that notes each request's AWS operation: what a
 * function's first event sent is what its floor sends. The SDK signed the relay's host, which
 * the relay passes on unchanged; the servers see the same requests.
 */
const startRecordingRelay = async (target: string, service: FloorCall['service'], operationOf: (req: IncomingMessage) => string, calls: FloorCall[]) => {
  const server = createServer((req, res) => {
    calls.push({ service, operation: operationOf(req) });
    const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => res.destroy(error));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** DynamoDB's JSON protocol names the operation in X-Amz-Target. */
const dynamoDbOperation = (req: IncomingMessage) => String(req.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');

/** S3's REST operations, path-style (/bucket/key?query), as the functions send them. */
const s3Operation = (req: IncomingMessage) => {
  const url = new URL(req.url ?? '/', 'http://s3');
  const hasKey = url.pathname.split('/').filter(Boolean).length > 1;
  if (req.method === 'GET') return hasKey ? 'GetObject' : url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  if (req.method === 'PUT') return hasKey ? 'PutObject' : 'CreateBucket';
  if (req.method === 'HEAD') return hasKey ? 'HeadObject' : 'HeadBucket';
  if (req.method === 'DELETE') return 'DeleteObject';
  return url.searchParams.has('delete') ? 'DeleteObjects' : `${req.method} ${url.pathname}`;
};

/** Each operation once, in the order first sent. */
const distinctCalls = (calls: readonly FloorCall[]) => [...new Map(calls.map((c) => [`${c.service} ${c.operation}`, c])).values()];

const SERVICE_NAMES: Record<FloorCall['service'], string> = { dynamodb: 'DynamoDB', s3: 'S3', sfn: 'SFN', sns: 'SNS' };
const describeCalls = (calls: readonly FloorCall[]) => calls.map((c) => `${SERVICE_NAMES[c.service]} ${c.operation}`).join(', ') || 'no AWS call';

/**
 * The floor's bundle, built as `sls package` builds a function: serverless.yml's esbuild settings
 * (resolved by `sls print`), the same plugins, the same SDK from node_modules. Checked by
 * rebuilding one real function the same way: its handler module must come out byte for byte as
 * in the zip, or the floor would not be comparable.
 */
const buildFloor = async (inProject: string, out: string, env: NodeJS.ProcessEnv, zipOf: (key: string) => Promise<Map<string, Buffer>>) => {
  const printed = spawnSync('npx', ['sls', 'print', '--stage', 'bench', '--path', 'custom.esbuild', '--format', 'json'], { cwd: ROOT, env, encoding: 'utf8' });
  if (printed.status !== 0) throw new Error(`sls print failed:\n${printed.stdout}\n${printed.stderr}`);
  const settings = JSON.parse(printed.stdout) as Record<string, unknown>;
  const require = createRequire(import.meta.url);
  // Output at the depth of serverless-esbuild's (.esbuild/.build/<folder>): the source maps'
  // relative paths, and so the chunks' content hashes, come out the same.
  const build = async (entry: string) => {
    const outdir = join(inProject, 'build', dirname(entry));
    const options = esbuildOptionsOf(settings, { root: ROOT, target: 'node22', entry, outdir, loadPlugins: (file) => require(file) as unknown });
    // serverless-esbuild runs esbuild from the service folder, with entries relative to it.
    await esbuild({ ...options, absWorkingDir: ROOT, logLevel: 'error' } as BuildOptions);
  };
  const check = 'planInspection';
  await build(`functions/${FUNCTIONS[check]}.ts`);
  const zip = await zipOf(check);
  const entry = `functions/${FUNCTIONS[check]}.mjs`;
  const inZip = handlerModuleOf(zip, entry);
  const rebuilt = await readFile(join(inProject, 'build', entry)).catch(() => undefined);
  const rebuiltModule = rebuilt && handlerModuleOf(new Map([[entry, rebuilt]]), entry);
  const same = inZip && rebuiltModule === inZip && (await readFile(join(inProject, 'build', inZip))).equals(zip.get(inZip)!);
  const problem = `${check} rebuilt with serverless.yml's esbuild settings differs from its zip (${inZip} vs ${rebuiltModule})`;
  // An earlier package (COLD_START_PACKAGE) may come from other sources: then only a warning.
  if (!same && !process.env.COLD_START_PACKAGE) throw new Error(`the floor would not be built as the zips are: ${problem}`);
  if (!same) console.log(`WARNING: ${problem}; the floor is built from this checkout`);
  await build('bench/cold-start-floor.ts');
  // Run from outside the project, as the zips are: nothing may resolve from its node_modules.
  await cp(join(inProject, 'build', 'bench'), join(out, 'bench'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  return join(out, 'bench', 'cold-start-floor.mjs');
};

const fixture = <T>(path: string): { positive: T[] } => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { positive: T[] };
const TOR_ALERT = (JSON.parse(readFileSync(join(ROOT, 'examples/alerts/01-tor-caller.json'), 'utf8')) as Record<string, unknown>[])[0]!;
const ACCESS_DENIED = fixture<Record<string, unknown>>('detectors/cloudtrail/access/access-denied.fixtures.json').positive[0]!;
const FLOW_LINES = fixture<string>('detectors/flowlogs/network/reject-from-instance.fixtures.json').positive;

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const work = await mkdtemp(join(tmpdir(), 'alertwarden-cold-start-'));
// The runtime-style baseline must resolve @aws-sdk from the project: its probe lives inside it.
const inProject = await mkdtemp(join(ROOT, '.bench-cold-start-'));
const servers = await startLocalServers({ tableName: TABLE, bucketName: BUCKET });
// The AWS operations of the process being measured (processes run one at a time).
const calls: FloorCall[] = [];
const stub = await startAwsStub(calls);
const dynamoDbRelay = await startRecordingRelay(servers.dynamodbEndpoint, 'dynamodb', dynamoDbOperation, calls);
const s3Relay = await startRecordingRelay(servers.s3Endpoint, 's3', s3Operation, calls);
const s3 = new S3Client({ region: 'us-east-1', endpoint: servers.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
try {
  const probe = join(work, 'probe.mjs');
  await writeFile(probe, PROBE);
  await writeFile(join(work, 'empty.mjs'), 'export const handler = async () => ({});\n');
  await writeFile(join(inProject, 'probe.mjs'), PROBE);
  await writeFile(join(inProject, 'sdk-from-node-modules.mjs'), "import '@aws-sdk/client-dynamodb'; import '@aws-sdk/lib-dynamodb';\nexport const handler = async () => ({});\n");

  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const k of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(k)) delete env[k];
  // COLD_START_PACKAGE=DIR measures the zips an earlier `sls package --package DIR` wrote.
  const packageDir = process.env.COLD_START_PACKAGE ?? join(work, 'package');
  if (!process.env.COLD_START_PACKAGE) {
    const packaged = Date.now();
    const pkg = spawnSync('npx', ['sls', 'package', '--stage', 'bench', '--package', packageDir], { cwd: ROOT, env, encoding: 'utf8' });
    if (pkg.status !== 0) throw new Error(`sls package failed:\n${pkg.stdout}\n${pkg.stderr}`);
    console.log(`packaged with sls package in ${((Date.now() - packaged) / 1000).toFixed(1)} s`);
  }
  console.log(`measuring the zips in ${packageDir} (SDK bundled, loaded on first use)`);

  // What the deployed functions get from serverless.yml, pointed at the local servers and the stub.
  const lambdaEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...localServerEnv({ dynamodbEndpoint: dynamoDbRelay.url, s3Endpoint: s3Relay.url }),
    AWS_ENDPOINT_URL_SFN: stub.url,
    AWS_ENDPOINT_URL_SNS: stub.url,
    AWS_MAX_ATTEMPTS: '1',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ALERTWARDEN_TABLE: TABLE,
    ALERTWARDEN_BUCKET: BUCKET,
    ALERTWARDEN_STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:alertwarden-bench-pipeline`,
    ALERTWARDEN_REPORT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:alertwarden-bench-reports`,
    ALERTWARDEN_ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:alertwarden-bench-alerts`,
    ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '300',
    ALERTWARDEN_INSPECTORS: 'blocklist,geoip,aws-ip-ranges',
    ALERTWARDEN_EMITTERS: 'console,sns',
    POWERTOOLS_SERVICE_NAME: 'alertwarden',
    POWERTOOLS_METRICS_NAMESPACE: 'AlertWarden/bench',
  };

  let runId = 0;
  const run = async (label: string, probeFile: string, module: string, event?: unknown, taskRoot?: string, handlerModule?: string): Promise<Timing> => {
    const id = ++runId;
    const eventFile = join(work, `event-${id}.json`);
    const resultFile = join(work, `result-${id}.json`);
    const args = [probeFile, module];
    if (event !== undefined) {
      await writeFile(eventFile, JSON.stringify(event));
      args.push(eventFile, resultFile);
    } else args.push('', resultFile);
    if (handlerModule) args.push(handlerModule);
    // COLD_START_CPU_PROF=DIR: a CPU profile of each process there, to see where a cold start goes.
    const profile = process.env.COLD_START_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.COLD_START_CPU_PROF}`, `--cpu-prof-name=${label}-${id}.cpuprofile`] : [];
    await promisify(execFile)(NODE, [...profile, ...args], { env: { ...lambdaEnv, ...(taskRoot ? { LAMBDA_TASK_ROOT: taskRoot } : {}) }, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(await readFile(resultFile, 'utf8')) as Timing;
  };

  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const nodeVersion = (await promisify(execFile)(NODE, ['--version'])).stdout.trim();
  console.log(`load average before: ${load()} (2 cores here; medians of fresh processes of Node ${nodeVersion}: Init of ${RUNS + INIT_RUNS}, Init + first event of ${RUNS})`);

  // COLD_START_BASELINE=DIR: an earlier `sls package --package DIR` (main's, say), measured in the
  // same run, interleaved with this one (the order alternates per round), so a change is judged
  // under the same load.
  const variants = [{ label: 'this package', packageDir }, ...(process.env.COLD_START_BASELINE ? [{ label: 'baseline', packageDir: process.env.COLD_START_BASELINE }] : [])];
  type Unpacked = Map<string, { dir: string; entry: string; handlerModule?: string; initKiB: number; zipKiB: number }>;
  const unpackedOf = new Map<string, Unpacked>();
  for (const [v, { label, packageDir: from }] of variants.entries()) {
    const unpacked: Unpacked = new Map();
    for (const [key, file] of Object.entries(FUNCTIONS)) {
      const zipPath = join(from, `${key}.zip`);
      const zip = await readZip(zipPath);
      const dir = join(work, `${v}`, key);
      for (const [name, bytes] of zip) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), bytes);
      }
      const entry = `functions/${file}.mjs`;
      const handlerModule = handlerModuleOf(zip, entry);
      unpacked.set(key, {
        dir,
        entry: join(dir, entry),
        ...(handlerModule ? { handlerModule: join(dir, handlerModule) } : {}),
        initKiB: bytesOf(zip, moduleGraph(zip, entry).atInit) / 1024,
        zipKiB: (await stat(zipPath)).size / 1024,
      });
    }
    unpackedOf.set(label, unpacked);
  }

  const timings = new Map<string, Timing[]>();
  const failures: string[] = [];
  /** Per variant and function: the AWS operations its first event sent (the last run's). */
  const callsOf = new Map<string, { distinct: FloorCall[]; total: number }>();
  const floorEntry = await buildFloor(inProject, join(work, 'floor'), env, (key) => readZip(join(packageDir, `${key}.zip`)));
  const floor = await (async () => {
    const dir = join(work, 'floor');
    const entry = floorEntry.slice(dir.length + 1);
    const module = handlerModuleOf(new Map([[entry, await readFile(floorEntry)]]), entry);
    return { dir, entry: floorEntry, ...(module ? { handlerModule: join(dir, module) } : {}) };
  })();
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: FLOOR_OBJECT_KEY, Body: JSON.stringify({ floor: true, note: 'read by the cold-start floor' }) }));
  const add = (key: string, t: Timing) => timings.set(key, [...(timings.get(key) ?? []), t]);

  // One new report, through each pipeline function in the order the state machines call them;
  // then the detector sources, each delivery carrying one record that raises an alert.
  const chain = async (label: string, i: number) => {
    const unpacked = unpackedOf.get(label)!;
    const measure = async (key: string, event: unknown): Promise<unknown> => {
      const { dir, entry, handlerModule } = unpacked.get(key)!;
      calls.length = 0;
      const t = await run(key, probe, entry, event, dir, handlerModule);
      if (t.outcome?.error) failures.push(`${label} ${key}: ${t.outcome.error}`);
      add(`${label}:${key}`, t);
      // Its floor, right after it (same load): the same clients and operations, nothing else.
      const sent = distinctCalls(calls);
      callsOf.set(`${label}:${key}`, { distinct: sent, total: calls.length });
      const f = await run(`${key}-floor`, probe, floor.entry, { calls: sent } satisfies FloorEvent, floor.dir, floor.handlerModule);
      if (f.outcome?.error) failures.push(`${label} ${key}'s floor: ${f.outcome.error}`);
      // Pooled across the variants measured: the same calls make the same floor process.
      add(`floor:${describeCalls(sent)}`, f);
      return t.outcome?.result;
    };
    const alert = { ...TOR_ALERT, alert_key: `${String(TOR_ALERT.alert_key)}-bench-${i}-${randomUUID()}` };
    const message = { Type: 'Notification', MessageId: randomUUID(), TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alertwarden-bench-alerts`, Message: JSON.stringify(alert), Timestamp: new Date().toISOString() };
    const started = stub.executions.length;
    await measure('ingest', sqsEvent(JSON.stringify(message), 'alertwarden-bench-alerts'));
    const reportId = stub.executions[started]?.reportId;
    if (!reportId) throw new Error(`${label}: ingest started no round (${failures.join('; ') || 'no error'})`);
    // The inspect Map's ItemSelector: {reportId, batch: one item of the plan's tasks}.
    const plan = (await measure('planInspection', { reportId })) as { tasks?: unknown[] } | undefined;
    const batch = plan?.tasks?.[0];
    if (batch) await measure('inspect', { reportId, batch });
    else failures.push(`${label} planInspection planned nothing for ${reportId}`);
    const review = (await measure('review', { reportId, phase: 'final' })) as { version?: number } | undefined;
    const version = review?.version ?? 1;
    await measure('emit', { reportId, version, emitter: 'console' });
    await measure('recordFailure', { kind: 'emission', reportId, version, emitter: 'sns', error: { Error: 'Throttling', Cause: 'slow down' } });
    await measure('finishRun', { reportId, round: 1 });
    await measure('sweepRounds', { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT, time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} });

    const record = { ...ACCESS_DENIED, eventID: randomUUID() };
    await measure('cloudTrailEvents', { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: ACCOUNT, time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: record });
    await measure('cloudTrailLogs', awslogs('aws-cloudtrail-logs', [JSON.stringify(record)]));
    await measure('flowLogLogs', awslogs('vpc-flow-logs', FLOW_LINES));
    const trailKey = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2026/11/20/${ACCOUNT}_CloudTrail_us-east-1_20261120T1015Z_${randomUUID()}.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: trailKey, Body: gzipSync(JSON.stringify({ Records: [{ ...record, eventID: randomUUID() }] })) }));
    await measure('cloudTrailFiles', s3Notification(trailKey));
    const flowKey = `AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/2026/11/20/${ACCOUNT}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261120T1015Z_${randomUUID()}.log.gz`;
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: flowKey, Body: gzipSync([header, ...FLOW_LINES].join('\n')) }));
    await measure('flowLogFiles', s3Notification(flowKey));
  };

  const emptyRuns: Timing[] = [];
  const sdkRuns: Timing[] = [];
  const inTurn = (i: number) => (i % 2 ? [...variants].reverse() : variants);
  for (let i = 0; i < RUNS; i++) {
    emptyRuns.push(await run('empty', probe, join(work, 'empty.mjs'), {}));
    sdkRuns.push(await run('sdk-from-node-modules', join(inProject, 'probe.mjs'), join(inProject, 'sdk-from-node-modules.mjs')));
    for (const { label } of inTurn(i)) await chain(label, i);
  }

  // Init alone is a few milliseconds: one preemption on a loaded machine moves its wall time by
  // several times that, so it also gets processes of its own (an import and no event, ~50 ms each).
  for (let i = 0; i < INIT_RUNS; i++) {
    add('empty-init', await run('empty-init', probe, join(work, 'empty.mjs')));
    for (const { label } of inTurn(i)) {
      for (const [key, { dir, entry }] of unpackedOf.get(label)!) add(`${label}:${key}-init`, await run(`${key}-init`, probe, entry, undefined, dir));
    }
  }
  const pick = (runs: Timing[], phase: 'init' | 'total', i: 0 | 1) => median(runs.map((r) => r[phase][i]));
  const inits = (key: string, runs: Timing[]) => [...runs, ...(timings.get(`${key}-init`) ?? [])];
  const empty = { initWall: pick(inits('empty', emptyRuns), 'init', 0), initCpu: pick(inits('empty', emptyRuns), 'init', 1), totalWall: pick(emptyRuns, 'total', 0), totalCpu: pick(emptyRuns, 'total', 1) };
  console.log(`empty module: Init ${empty.initWall.toFixed(1)} ms wall, ${empty.initCpu.toFixed(1)} ms CPU; + a handler returning at once: ${empty.totalWall.toFixed(1)} ms wall, ${empty.totalCpu.toFixed(1)} ms CPU (the baselines)`);
  console.log(`DynamoDB client + lib-dynamodb from node_modules (as the Lambda runtime ships them): ${pick(sdkRuns, 'init', 0).toFixed(0)} ms wall, ${pick(sdkRuns, 'init', 1).toFixed(0)} ms CPU`);
  const ratio = (v: number, base: number) => `(${(v / base).toFixed(1).padStart(5)}x)`;
  const sums = new Map<string, { wall: number; cpu: number; perFunction: Map<string, number> }>();
  for (const { label, packageDir: from } of variants) {
    console.log(`\n${label}: ${from}`);
    console.log('function          Init KiB  zip KiB   Init wall ms (x empty)   Init CPU ms (x empty)   Init+1st event wall ms (x)   CPU ms (x)   of which CPU ms: code load  event');
    let worstInit = 0;
    let worstTotal = 0;
    const sum = { wall: 0, cpu: 0, perFunction: new Map<string, number>() };
    for (const [key, info] of unpackedOf.get(label)!) {
      const runs = timings.get(`${label}:${key}`) ?? [];
      if (!runs.length) {
        console.log(`${key.padEnd(17)} not measured`);
        continue;
      }
      const all = inits(`${label}:${key}`, runs);
      const m = { initWall: pick(all, 'init', 0), initCpu: pick(all, 'init', 1), totalWall: pick(runs, 'total', 0), totalCpu: pick(runs, 'total', 1) };
      // The split of Init + first event's CPU: importing the handler module (after Init), then handling the event.
      const codeLoadCpu = median(runs.map((r) => r.loaded[1] - r.init[1]));
      const eventCpu = median(runs.map((r) => r.total[1] - r.loaded[1]));
      worstInit = Math.max(worstInit, m.initWall / empty.initWall);
      worstTotal = Math.max(worstTotal, m.totalWall / empty.totalWall);
      sum.wall += m.totalWall;
      sum.cpu += m.totalCpu;
      sum.perFunction.set(key, m.totalCpu);
      console.log(
        `${key.padEnd(17)} ${info.initKiB.toFixed(0).padStart(8)} ${info.zipKiB.toFixed(0).padStart(8)}` +
          `   ${m.initWall.toFixed(1).padStart(8)} ${ratio(m.initWall, empty.initWall)}    ${m.initCpu.toFixed(1).padStart(8)} ${ratio(m.initCpu, empty.initCpu)}` +
          `   ${m.totalWall.toFixed(0).padStart(12)} ${ratio(m.totalWall, empty.totalWall)}   ${m.totalCpu.toFixed(0).padStart(6)} ${ratio(m.totalCpu, empty.totalCpu)}` +
          `   ${codeLoadCpu.toFixed(0).padStart(19)} ${eventCpu.toFixed(0).padStart(6)}`,
      );
    }
    sums.set(label, sum);

    // Beside its floor: a handler with the same esbuild settings and SDK that creates the same
    // clients and sends the same operations once each (bench/cold-start-floor.ts), measured right
    // after it in each round; the median of every floor process that sent the same operations
    // (another function's, the baseline's), the floor being the same code whatever it follows. Above the floor is ours: code load, zod, middy, plugins, the calls
    // beyond the first of each operation, the work itself.
    console.log(`\n${label}: Init + first event beside its floor (the same SDK clients and first AWS operations, nothing else)`);
    console.log('function          wall ms  floor  (x floor)    CPU ms  floor  (x floor)  ours CPU ms   AWS calls of the first event: distinct operations (all calls)');
    const floorSum = { wall: 0, cpu: 0, ours: 0, total: 0 };
    let worstFloor = { key: '', ratio: 0 };
    for (const key of unpackedOf.get(label)!.keys()) {
      const runs = timings.get(`${label}:${key}`) ?? [];
      const floors = timings.get(`floor:${describeCalls(callsOf.get(`${label}:${key}`)?.distinct ?? [])}`) ?? [];
      if (!runs.length || !floors.length) continue;
      const [wall, cpu] = [pick(runs, 'total', 0), pick(runs, 'total', 1)];
      const [floorWall, floorCpu] = [pick(floors, 'total', 0), pick(floors, 'total', 1)];
      const sent = callsOf.get(`${label}:${key}`);
      floorSum.wall += floorWall;
      floorSum.cpu += floorCpu;
      floorSum.ours += cpu - floorCpu;
      floorSum.total += cpu;
      if (cpu / floorCpu > worstFloor.ratio) worstFloor = { key, ratio: cpu / floorCpu };
      const x = (v: number, f: number) => `(${(v / f).toFixed(2)}x)`.padStart(9);
      console.log(
        `${key.padEnd(17)} ${wall.toFixed(0).padStart(7)} ${floorWall.toFixed(0).padStart(6)} ${x(wall, floorWall)}   ${cpu.toFixed(0).padStart(7)} ${floorCpu.toFixed(0).padStart(6)} ${x(cpu, floorCpu)}` +
          `  ${(cpu - floorCpu).toFixed(0).padStart(11)}   ${describeCalls(sent?.distinct ?? [])} (${sent?.total ?? 0})`,
      );
    }
    console.log(
      `sum: ${sum.wall.toFixed(0)} ms wall over a floor of ${floorSum.wall.toFixed(0)} (${(sum.wall / floorSum.wall).toFixed(2)}x); ${floorSum.total.toFixed(0)} ms CPU over a floor of ${floorSum.cpu.toFixed(0)} (${(floorSum.total / floorSum.cpu).toFixed(2)}x): ` +
        `ours ${floorSum.ours.toFixed(0)} ms CPU (${((floorSum.ours / floorSum.total) * 100).toFixed(0)}%); worst ${worstFloor.key} ${worstFloor.ratio.toFixed(2)}x its floor`,
    );
    console.log(`sum over the ${unpackedOf.get(label)!.size} functions of Init + first event: ${sum.wall.toFixed(0)} ms wall, ${sum.cpu.toFixed(0)} ms CPU`);
    console.log(`worst Init wall ratio: ${worstInit.toFixed(1)}x an empty module (goal <= 15x); worst Init + first event: ${worstTotal.toFixed(1)}x`);
  }
  const mine = sums.get('this package')!;
  const base = sums.get('baseline');
  if (base) {
    const change = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%`;
    console.log(`\nInit + first event, this package vs the baseline, same run: wall ${change(mine.wall, base.wall)}, CPU ${change(mine.cpu, base.cpu)} (sum over the functions)`);
    console.log(`  CPU per function: ${[...mine.perFunction].map(([k, v]) => `${k} ${change(v, base.perFunction.get(k) ?? v)}`).join(', ')}`);
  }
  if (failures.length) console.log(`FAILED invocations (their figures measure an error path):\n  ${[...new Set(failures)].join('\n  ')}`);
  console.log(`alerts published by the detector sources: ${stub.published()}; rounds started: ${stub.executions.length}; load average after: ${load()}`);
} finally {
  s3.destroy();
  await stub.stop();
  await dynamoDbRelay.stop();
  await s3Relay.stop();
  await servers.stop();
  await rm(work, { recursive: true, force: true });
  await rm(inProject, { recursive: true, force: true });
}
