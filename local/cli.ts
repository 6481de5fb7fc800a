/**
 * `alertwarden` — run the pipeline on this machine.
 *
 *   alertwarden run [FILE|DIR|-]... [--json] [--out DIR] [--state DIR] [--delay SECONDS] [--emitters a,b] [--verbose]
 *
 * Inputs are JSON (an alert or an array of alerts) or JSONL; `-` reads standard input.
 * Progress goes to stderr; with --json, stdout carries exactly one final report per line.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PipelineFailure } from '../core/store.ts';
import { formatReportSummary, sanitizeText } from '../core/summary.ts';
import { detectCommand, DETECT_USAGE, DetectUsageError, rulesCommand } from './detect-cli.ts';
import { LocalRuntime, type ReportView } from './runtime.ts';

const USAGE = `usage: alertwarden run [FILE|DIR|-]... [options]

Runs the AlertWarden pipeline locally: loopback DynamoDB and S3, the state machine from
statemachines/, the same Lambda handlers as in AWS. No AWS account is used.

options:
  --json             print each final report as one JSON line on stdout, nothing else
  --out DIR          write full reports to DIR/reports/<id>.json (default: out)
  --delay SECONDS    aggregation wait before the final review (default: 2)
  --emitters LIST    emitters to run, comma-separated (default: file,quarantine; quarantine
                     runs offline in dry-run here: it lists the calls it would make in AWS)
  --inspectors LIST  inspectors to run, comma-separated (default: all)
  --blocklists LIST  blocklist sources (default: examples/blocklists/known-bad.txt)
  --state DIR        keep DynamoDB, S3 and the queue in DIR; after a crash, run again with
                     the same DIR (inputs optional) to finish what was under way
  --verbose          show the pipeline's own structured logs on stdout
  -h, --help         show this help
`;

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One message per alert, kept as the raw text a tool would publish: ingest judges validity. */
export const splitAlerts = (text: string): string[] => {
  const trimmed = text.trim();
  if (!trimmed) return [];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed.map((a) => JSON.stringify(a)) : [JSON.stringify(parsed)];
  } catch {
    // Not one JSON document: treat as JSONL, one message per non-empty line (bad lines get rejected with a reason).
    return trimmed.split(/\r?\n/).filter((line) => line.trim());
  }
};

const readStdin = async () => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const readAlertInputs = async (inputs: string[]): Promise<string[]> => {
  const messages: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      messages.push(...splitAlerts(await readStdin()));
      continue;
    }
    const info = await stat(input).catch(() => {
      throw new UsageError(`no such file or folder: ${input}`);
    });
    const files = info.isDirectory()
      ? (await readdir(input)).filter((f) => /\.jsonl?$/.test(f)).sort().map((f) => join(input, f))
      : [input];
    for (const file of files) messages.push(...splitAlerts(await readFile(file, 'utf8')));
  }
  return messages;
};

const progress = (line: string) => process.stderr.write(`${line}\n`);

const printHuman = (
  views: ReportView[],
  rejected: { reason: string; excerpt: string }[],
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
    for (const r of rejected) process.stdout.write(`  - ${r.reason}\n    message: ${r.excerpt.slice(0, 160)}\n`);
  }
  const undelivered = failures.filter((f) => f.kind === 'emission');
  if (undelivered.length) {
    process.stdout.write(`\n${undelivered.length} emission(s) failed after their retries:\n`);
    for (const f of undelivered) process.stdout.write(`  - report ${f.reportId} v${f.version} to ${f.emitter}: ${sanitizeText(f.error)}\n`);
  }
  if (deadLetters) process.stdout.write(`\n${deadLetters} message(s) moved to the dead-letter queue after repeated failures\n`);
  process.stdout.write(`\n${views.length} report(s); full reports in ${join(outDir, 'reports')}/\n`);
};

export const run = async (argv: string[]): Promise<number> => {
  // detect and rules have options of their own.
  if (argv[0] === 'detect') return detectCommand(argv.slice(1));
  if (argv[0] === 'rules') return rulesCommand(argv.slice(1));
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
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...inputs] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n${DETECT_USAGE}`);
    return command || values.help ? 0 : 2;
  }
  if (command !== 'run') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (inputs.length === 0 && values.state === undefined) throw new UsageError('give at least one FILE, DIR or - (standard input)');
  if (values.delay !== undefined && !/^\d+$/.test(values.delay)) throw new UsageError('--delay takes a whole number of seconds');
  const outDir = resolve(values.out);
  const emitters = values.emitters ?? 'file,quarantine';
  if (values.json && emitters.split(',').includes('console')) {
    throw new UsageError('--json keeps stdout for reports only; drop the console emitter');
  }

  const messages = await readAlertInputs(inputs);
  if (!values.json) progress(`alertwarden: ${messages.length} alert message(s) from ${inputs.join(', ') || 'no input (resuming only)'}`);
  const runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_EMITTERS: emitters,
      ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'reports.jsonl'),
      // No EC2 or IAM endpoint exists locally: quarantine plans from the report, without any AWS call.
      ALERTWARDEN_QUARANTINE_MODE: 'dry-run',
      ALERTWARDEN_QUARANTINE_OFFLINE: 'true',
      ALERTWARDEN_QUARANTINE_MIN_SEVERITY: 'high',
      ALERTWARDEN_BLOCKLISTS: values.blocklists ?? 'examples/blocklists/known-bad.txt',
      ...(values.inspectors ? { ALERTWARDEN_INSPECTORS: values.inspectors } : {}),
      ...(values.delay !== undefined ? { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: values.delay } : {}),
      ...(values.verbose ? { POWERTOOLS_LOG_LEVEL: 'INFO' } : {}),
    },
    ...(values.state !== undefined ? { stateDir: resolve(values.state) } : {}),
  });
  if (!values.json && (runtime.resumed.rounds || runtime.resumed.messages)) {
    progress(`  resumed from ${values.state}: ${runtime.resumed.rounds} running round(s), ${runtime.resumed.messages} unacknowledged message(s)`);
  }
  try {
    const started = Date.now();
    let lastShown = 0;
    await runtime.publish(messages, (done, total) => {
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
      for (const { report } of views) process.stdout.write(`${JSON.stringify(report)}\n`);
      for (const r of rejected) progress(`rejected: ${r.reason}`);
    } else {
      printHuman(views, rejected, await runtime.pipelineFailures(), runtime.deadLetters.length, outDir);
      progress(`alertwarden: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    for (const failure of runtime.engine.failures) progress(`pipeline execution ${failure.name} failed: ${failure.error}`);
    return runtime.engine.failures.length || runtime.deadLetters.length || views.some((v) => v.error || v.unreviewed) ? 1 : 0;
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
