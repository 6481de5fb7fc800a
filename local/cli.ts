/**
 * `alertwarden` — run the pipeline on this machine.
 *
 *   alertwarden run [FILE|DIR|-]... [--json] [--out DIR] [--state DIR] [--delay SECONDS] [--emitters a,b] [--verbose]
 *
 * Inputs are JSON (an alert or an array of alerts) or JSONL; `-` reads standard input.
 * Progress goes to stderr; with --json, stdout carries exactly one final report per line.
 */
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toJsonLine } from '../core/jsonl.ts';
import type { PipelineFailure, Rejection } from '../core/store.ts';
import { splitDocuments, type InputDocument } from '../sources/read.ts';
import { formatReportSummary, sanitizeText } from '../core/summary.ts';
import { sourceFromCommandLine } from '../inspectors/blocklist/sources.ts';
import { detectCommand, DETECT_USAGE, DetectUsageError, rulesCommand } from './detect-cli.ts';
import type { ReportView } from './runtime.ts';
import { lockStateDir, type StateLock } from './state-lock.ts';
import { USAGE, VERSION } from './usage.mjs';

/** Files shipped with AlertWarden resolve from the package, so the command works from any folder. */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SAMPLE_BLOCKLIST = join(PACKAGE_ROOT, 'examples', 'blocklists', 'known-bad.txt');
const ALERT_FILE_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson']);


class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const readStdin = async () => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * One message per document (an alert, a finding, an event), kept as the raw text a tool would
 * publish: ingest judges validity. Each carries its origin (file and line or array index).
 */
export const readAlertInputs = async (inputs: string[], onSkip: (file: string) => void = () => {}): Promise<InputDocument[]> => {
  const documents: InputDocument[] = [];
  for (const input of inputs) {
    if (input === '-') {
      documents.push(...splitDocuments(await readStdin(), '-'));
      continue;
    }
    const info = await stat(input).catch(() => {
      throw new UsageError(`no such file or folder: ${input}`);
    });
    let files = [input];
    if (info.isDirectory()) {
      const entries = (await readdir(input, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      files = [];
      for (const entry of entries) {
        if (entry.isFile() && ALERT_FILE_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(join(input, entry.name));
        else onSkip(join(input, entry.name));
      }
    }
    for (const file of files) documents.push(...splitDocuments(await readFile(file, 'utf8'), file));
  }
  return documents;
};

/** `alerts.jsonl:3 detail.findings[1]: invalid alert: …`, naming where the user can find it. */
const describeRejection = (r: Rejection, origins: ReadonlyMap<string, string>) =>
  `${sanitizeText(origins.get(r.messageId) ?? `message ${r.messageId}`)}${r.item ? ` ${sanitizeText(r.item)}` : ''}: ${sanitizeText(r.reason, 1000)}`;

const progress = (line: string) => process.stderr.write(`${line}\n`);

const printHuman = (
  views: ReportView[],
  rejected: Rejection[],
  origins: ReadonlyMap<string, string>,
  failures: PipelineFailure[],
  deadLetters: number,
  outDir: string,
) => {
  for (const { report, emissions, error, unreviewed } of views) {
    process.stdout.write(`\n${formatReportSummary(report, emissions)}\n`);
    if (error) process.stdout.write(`PIPELINE FAILED for this report: ${error}\n`);
    if (unreviewed) process.stdout.write(`NOT REVIEWED: these ${report.alerts.length} alert(s) were never reviewed or emitted\n`);
  }
  if (rejected.length) {
    process.stdout.write(`\n${rejected.length} alert(s) rejected at ingest:\n`);
    for (const r of rejected) process.stdout.write(`  - ${describeRejection(r, origins)}\n    input: ${r.excerpt.slice(0, 160)}\n`);
  }
  const undelivered = failures.filter((f) => f.kind === 'emission');
  if (undelivered.length) {
    process.stdout.write(`\n${undelivered.length} emission(s) failed after their retries:\n`);
    for (const f of undelivered) process.stdout.write(`  - report ${f.reportId} v${f.version} to ${f.emitter}: ${sanitizeText(f.error)}\n`);
  }
  if (deadLetters) process.stdout.write(`\n${deadLetters} message(s) moved to the dead-letter queue after repeated failures\n`);
  process.stdout.write(`\n${views.length} report(s); full reports in ${join(outDir, 'reports')}/\n`);
};

/**
 * The deployed functions read ALERTWARDEN_* from their environment; so does the CLI, with the
 * local defaults below them and the flags above them.
 */
export const alertWardenEnv = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => /^(ALERTWARDEN|POWERTOOLS)_/.test(e[0]) && e[1] !== undefined));

/**
 * The configuration a run depends on, read before any work: a typo in a blocklist or policy
 * path must stop the run with that path, not quietly turn a `high` report into `unclassified`.
 * Remote sources (s3://, https://) are read by the plugins themselves when the run starts.
 */
const checkConfiguration = async (env: Record<string, string>) => {
  const local = (location: string) => !/^(s3|https?):\/\//i.test(location);
  const policy = env.ALERTWARDEN_REVIEW_POLICY?.trim();
  if (policy && local(policy)) {
    const { loadReviewer } = await import('../reviewer/index.ts');
    await loadReviewer(env);
  }
  const specs = (env.ALERTWARDEN_BLOCKLISTS ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (specs.length > 0) {
    const { configDirOf, loadBlocklist, parseSource } = await import('../inspectors/blocklist/sources.ts');
    for (const source of specs.map((spec) => parseSource(spec, configDirOf(env))).filter((s) => local(s.location))) {
      await loadBlocklist(source, () => {
        throw new Error('not an S3 location');
      });
    }
  }
};

/** Fails before any work when --out cannot be written: not after every alert was processed. */
const checkWritable = async (dir: string) => {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write to --out ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
};

/** `alertwarden new inspector NAME`: a plugin folder to start from. */
const newCommand = async (args: string[]): Promise<number> => {
  const [kind, name, ...rest] = args;
  if (kind !== 'inspector' || !name || rest.length) throw new UsageError('usage: alertwarden new inspector NAME');
  const { PROJECT_ROOT, scaffoldInspector } = await import('./scaffold.ts');
  const written = await scaffoldInspector(PROJECT_ROOT, name);
  for (const file of written) process.stdout.write(`created ${file}\n`);
  process.stdout.write(
    `\nNext: add it to inspectors/index.ts (import its create…Inspector and put it in the array; with the\n` +
      `default \`inspectors\` setting that enables it everywhere), then: npx vitest run inspectors/${name}\n`,
  );
  return 0;
};

export const run = async (argv: string[]): Promise<number> => {
  // detect and rules have options of their own.
  if (argv[0] === 'detect') return detectCommand(argv.slice(1));
  if (argv[0] === 'rules') return rulesCommand(argv.slice(1));
  if (argv[0] === 'new') return newCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string', default: 'out' },
      delay: { type: 'string' },
      emitters: { type: 'string' },
      inspectors: { type: 'string' },
      blocklists: { type: 'string' },
      state: { type: 'string' },
      store: { type: 'string', default: 'dynamodb' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.version) {
    process.stdout.write(`alertwarden ${VERSION}\n`);
    return 0;
  }
  const [command, ...inputs] = positionals;
  if (values.help || !command) {
    (command || values.help ? process.stdout : process.stderr).write(`${USAGE}
${DETECT_USAGE}`);
    return command || values.help ? 0 : 2;
  }
  if (command !== 'run') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (inputs.length === 0 && values.state === undefined) throw new UsageError('give at least one FILE, DIR or - (standard input)');
  if (values.store !== 'dynamodb' && values.store !== 'memory') throw new UsageError('--store takes dynamodb (the default) or memory');
  if (values.store === 'memory' && values.state !== undefined) {
    throw new UsageError('--state keeps DynamoDB and S3 data in a folder; --store memory keeps nothing: use one or the other');
  }
  if (values.delay !== undefined && !/^\d+$/.test(values.delay)) throw new UsageError('--delay takes a whole number of seconds');
  const outDir = resolve(values.out);
  const fromEnv = alertWardenEnv(process.env);
  const env: Record<string, string> = {
    ALERTWARDEN_EMITTERS: 'file,quarantine',
    // No EC2 or IAM endpoint exists locally: quarantine plans from the report, without any AWS call.
    ALERTWARDEN_QUARANTINE_MODE: 'dry-run',
    ALERTWARDEN_QUARANTINE_OFFLINE: 'true',
    ALERTWARDEN_QUARANTINE_MIN_SEVERITY: 'high',
    ALERTWARDEN_BLOCKLISTS: SAMPLE_BLOCKLIST,
    ...fromEnv,
    ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'reports.jsonl'),
    ...(values.emitters !== undefined ? { ALERTWARDEN_EMITTERS: values.emitters } : {}),
    // A path typed on the command line is the user's, relative to where they are (in the
    // environment, relative paths are read from ALERTWARDEN_CONFIG_DIR or the package).
    ...(values.blocklists !== undefined
      ? { ALERTWARDEN_BLOCKLISTS: values.blocklists.split(',').filter((x) => x.trim()).map((x) => sourceFromCommandLine(x, process.cwd())).join(',') }
      : {}),
    ...(values.inspectors ? { ALERTWARDEN_INSPECTORS: values.inspectors } : {}),
    ...(values.delay !== undefined ? { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: values.delay } : {}),
    ...(values.verbose ? { POWERTOOLS_LOG_LEVEL: 'INFO' } : {}),
  };
  if (values.json && env.ALERTWARDEN_EMITTERS!.split(',').map((e) => e.trim()).includes('console')) {
    throw new UsageError('--json keeps stdout for reports only; drop the console emitter');
  }
  await checkWritable(outDir);
  await checkConfiguration(env);
  // Taken before anything reads the folder: a second run stops here, not mid-run.
  const lock: StateLock | undefined = values.state !== undefined ? await lockStateDir(resolve(values.state)) : undefined;
  try {
    return await runPipeline(inputs, env, outDir, values.json, values.state, values.store);
  } finally {
    await lock?.release();
  }
};

const runPipeline = async (
  inputs: string[],
  env: Record<string, string>,
  outDir: string,
  json: boolean,
  state: string | undefined,
  storage: 'dynamodb' | 'memory',
): Promise<number> => {
  const values = { json, state };
  const documents = await readAlertInputs(inputs, (file) => progress(`  skipped ${file}: not a .json, .jsonl or .ndjson file`));
  if (!values.json) progress(`alertwarden: ${documents.length} alert message(s) from ${inputs.join(', ') || 'no input (resuming only)'}`);
  if (inputs.length > 0 && documents.length === 0) {
    progress(`alertwarden: nothing to process in ${inputs.join(', ')}`);
    return 1;
  }
  // Loaded only now: --help, --version and usage errors never pay for the SDK and the engine.
  const { LocalRuntime, snsEnvelopeOf, sqsRecordOf } = await import('./runtime.ts');
  // Records built here, not by runtime.publish, so each rejection can be traced to its file and line.
  const records = documents.map((d) => sqsRecordOf(snsEnvelopeOf(d.text)));
  const origins = new Map(records.map((r, i) => [r.messageId, documents[i]!.origin]));
  const runtime = await LocalRuntime.start({
    env,
    ...(values.state !== undefined ? { stateDir: resolve(values.state) } : {}),
    storage,
  });
  if (!values.json && (runtime.resumed.rounds || runtime.resumed.messages)) {
    progress(`  resumed from ${values.state}: ${runtime.resumed.rounds} running round(s), ${runtime.resumed.messages} unacknowledged message(s)`);
  }
  try {
    const started = Date.now();
    let lastShown = 0;
    await runtime.deliver(records, (done, total) => {
      if (!values.json && (done === total || Date.now() - lastShown > 1000)) {
        lastShown = Date.now();
        progress(`  ingested ${done}/${total}`);
      }
    });
    if (!values.json) {
      progress(
        `  ${runtime.engine.executionCount} pipeline execution(s) running; aggregation wait ${runtime.deps.config.aggregationDelaySeconds} s…`,
      );
    }
    await runtime.drain();
    const views = await runtime.reports();
    await mkdir(join(outDir, 'reports'), { recursive: true });
    for (const { report } of views) {
      await writeFile(join(outDir, 'reports', `${report.id}.json`), `${JSON.stringify(report, null, 2)}\n`);
    }
    const rejected = await runtime.rejections();
    if (values.json) {
      for (const { report } of views) process.stdout.write(toJsonLine(report));
      for (const r of rejected) progress(`rejected: ${describeRejection(r, origins)}`);
    } else {
      printHuman(views, rejected, origins, await runtime.pipelineFailures(), runtime.deadLetters.length, outDir);
      progress(`alertwarden: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    for (const failure of runtime.engine.failures) progress(`pipeline execution ${failure.name} failed: ${failure.error}`);
    // A run where every input was refused did nothing a script could rely on: it must not look like success.
    const refused = new Set(rejected.map((r) => r.messageId));
    const allRejected = records.length > 0 && records.every((r) => refused.has(r.messageId)) && views.length === 0;
    if (allRejected) progress(`alertwarden: every input was rejected`);
    return allRejected || runtime.engine.failures.length || runtime.deadLetters.length || views.some((v) => v.error || v.unreviewed) ? 1 : 0;
  } finally {
    await runtime.stop();
  }
};

export const main = async (argv = process.argv.slice(2)) => {
  try {
    process.exitCode = await run(argv);
  } catch (error) {
    const usage = error instanceof UsageError || error instanceof DetectUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const help = ['detect', 'rules'].includes(argv[0] ?? '') ? DETECT_USAGE : USAGE;
    process.stderr.write(`alertwarden: ${(error as Error).message}\n${usage ? `\n${help}` : ''}`);
    process.exitCode = usage ? 2 : 1;
  }
};
