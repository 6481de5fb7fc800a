/**
 * The embedded AlertWarden: loopback DynamoDB and S3, the local Step Functions engine, and
 * the Lambda handlers from `functions/`, wired with the same `buildDeps` as in AWS. Alerts
 * enter as SNS-enveloped SQS records through the real ingest handler, with SQS's redelivery
 * and dead-letter behaviour reproduced so that nothing is dropped silently here either.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { Env } from '../core/config.ts';
import { CountingMetrics } from '../core/metrics.ts';
import type { PipelineDeps } from '../core/pipeline/deps.ts';
import { prepareInspectors } from '../core/pipeline/inspection.ts';
import { compileReport } from '../core/pipeline/review.ts';
import { roundInputOf, sweepRounds, type SweepOutcome } from '../core/pipeline/rounds.ts';
import type { Emission, Report } from '../core/report.ts';
import { executionNameOf } from '../core/ids.ts';
import type { ExecutionStarter, PipelineFailure, Rejection, ReportState } from '../core/store.ts';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients.ts';
import { loadConfig } from '../core/config.ts';
import { InProcessFunctionInvoker } from '../adapters/lambda-invoker.ts';
import { buildDeps, type DepsOverrides } from '../functions/deps.ts';
import { ALL_PLUGINS } from '../functions/all-plugins.ts';
import { createEmitHandler } from '../functions/emit.ts';
import { createFinishRunHandler } from '../functions/finish-run.ts';
import { createIngestHandler } from '../functions/ingest.ts';
import { createInspectHandler } from '../functions/inspect.ts';
import { createPlanInspectionHandler } from '../functions/plan-inspection.ts';
import { createRecordFailureHandler } from '../functions/record-failure.ts';
import { createReviewHandler } from '../functions/review.ts';
import { LocalEngine, type LocalEngineOptions, type LocalLambda } from './engine.ts';
import { QueueJournal } from './queue-journal.ts';
import { MemoryReportArchive, MemoryReportStore } from '../adapters/memory-store.ts';
import { recordsSightings } from '../inspectors/index.ts';
import { localServerEnv, noLocalServers, startLocalServers, type LocalServers } from './servers.ts';

const LOCAL_TABLE = 'alertwarden-local';
const LOCAL_BUCKET = 'alertwarden-local-archive';
const ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:alertwarden-local-alerts';
const ALERT_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:alertwarden-local-alerts';

/** Local defaults: short waits so a sample run takes seconds; everything else as deployed. */
export const LOCAL_DEFAULT_ENV: Env = {
  ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '2',
  ALERTWARDEN_AGGREGATION_WINDOW_SECONDS: '3600',
  ALERTWARDEN_EMITTERS: 'file',
  ALERTWARDEN_FILE_EMITTER_PATH: 'out/reports.jsonl',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

export interface LocalRuntimeOptions extends Omit<DepsOverrides, 'clients' | 'starter' | 'metrics'> {
  /** Where the handlers count (default: a fresh CountingMetrics, read back through `runtime.metrics`). */
  metrics?: CountingMetrics;
  /** Configuration as the Lambda environment would carry it; merged over LOCAL_DEFAULT_ENV. */
  env?: Env;
  /** Retry back-off inside the state machines (AWS: seconds; local default 20 ms), except waits for an emission lease, which keep the ASL's interval. */
  retryIntervalMs?: number;
  /** Stands in for the queue's visibility timeout: how long a failed record waits before it is received again (default 100 ms). */
  redeliveryDelayMs?: number;
  /** SQS maxReceiveCount before a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Fault injection: TimeoutSeconds replaced for these Task states, by state name. */
  taskTimeoutSeconds?: Record<string, number>;
  /** Pipeline executions running at once; more wait in line, not yet started (default 16). */
  maxExecutionsInFlight?: number;
  /** Pass the aggregation Wait at once while the configured wait stays in force (see LocalEngineOptions.skipAggregationWait). */
  skipAggregationWait?: boolean;
  /** Observes every state entered by the engine, in order (see LocalEngineOptions.onStateEntered). */
  onStateEntered?: LocalEngineOptions['onStateEntered'];
  /** Ingest invocations running at once (Lambda concurrency). */
  ingestConcurrency?: number;
  /**
   * The round sweeper (an EventBridge schedule in AWS): on by default, run by `drain()` and
   * every `sweepIntervalMs` (default 5 s; 0: only by `drain()` and `sweep()`). Off only to
   * prove another path recovers alone.
   */
  sweeper?: boolean;
  sweepIntervalMs?: number;
  /** Fault injection and measurement: wraps the engine as the ingest's execution starter. */
  wrapStarter?: (engine: ExecutionStarter) => ExecutionStarter;
  /**
   * Functions by ARN that external plugins (ALERTWARDEN_EXTERNAL_INSPECTORS / _REVIEWER) name:
   * what Lambda would run for them in AWS. Each gets the JSON request and returns the JSON answer.
   */
  functions?: Record<string, (payload: unknown) => unknown>;
  /**
   * Keep DynamoDB, S3 and the queue in this folder. Starting again on the same folder after
   * a crash resumes the rounds that were running and receives again every message that was
   * never acknowledged, as SQS and Step Functions would have kept them.
   */
  stateDir?: string;
  /**
   * Start rounds while a delivery is still being ingested (default false: rounds begin when the
   * queue of that delivery is drained, one round per report, as an aggregation wait does in AWS).
   */
  roundsDuringDelivery?: boolean;
  /**
   * Where reports are kept: `dynamodb` (default) on the real-protocol local servers, or
   * `memory`, the store and archive ports in this process, for bulk replays where nothing needs
   * to persist (several times faster; no server starts). `stateDir` needs `dynamodb`.
   */
  storage?: 'dynamodb' | 'memory';
}

/** A combination of options the local runtime cannot honour. */
/** The in-memory store with the same round deadline the DynamoDB store gets from the configuration. */
const memoryStoreFor = (env: Env) => {
  const config = loadConfig(env);
  return new MemoryReportStore({
    roundDeadlineMs: (config.aggregationDelaySeconds + config.roundDeadlineSeconds) * 1000,
    recordSightings: recordsSightings(config.inspectors),
  });
};

export class LocalRuntimeOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalRuntimeOptionsError';
  }
}

export interface DeadLetter {
  record: SQSRecord;
  receiveCount: number;
}

export interface ReportView {
  report: Report;
  emissions: Emission[];
  /** Why the report's last pipeline round failed, if it did. */
  error?: string;
  /**
   * True when no review ever ran: the report is compiled from the store as it stands and
   * labelled `preliminary`, never `final`, so nobody mistakes members for reviewed alerts.
   */
  unreviewed?: true;
}

const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** What SNS delivers to a subscribed queue when raw delivery is off. */
export const snsEnvelopeOf = (message: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: ALERT_TOPIC_ARN,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
  });

export const sqsRecordOf = (body: string): SQSRecord => ({
  messageId: randomUUID(),
  receiptHandle: randomUUID(),
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: ALERT_QUEUE_ARN,
  awsRegion: 'us-east-1',
});

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export class LocalRuntime {
  readonly deadLetters: DeadLetter[] = [];
  /** Records the ingest handler reported as failed and that were received again. */
  redeliveries = 0;
  /** What starting on an existing state folder picked up again. */
  readonly resumed = { rounds: 0, messages: 0 };
  private journal: QueueJournal | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The timer's sweep in progress: stop() waits for it, or its writes would meet a closed DynamoDB. */
  private timedSweep: Promise<unknown> | undefined;
  /** What the sweeper did over this runtime's life. */
  readonly swept: SweepOutcome = { redriven: [], givenUp: [] };
  private constructor(
    readonly env: Env,
    /** The SDK clients every handler uses: add middleware here to count or fail requests. */
    readonly clients: AwsClients,
    readonly servers: LocalServers,
    readonly deps: PipelineDeps,
    readonly engine: LocalEngine,
    private readonly ingest: (records: SQSRecord[]) => Promise<SQSBatchResponse>,
    private readonly options: LocalRuntimeOptions,
  ) {
    this.startedAtMs = deps.now();
  }

  /** What rejections and failures list is from this day on: a run may cross midnight (UTC). */
  private readonly startedAtMs: number;

  /** What the handlers counted: the figures the AWS alarms watch. */
  get metrics(): CountingMetrics {
    return this.deps.metrics as CountingMetrics;
  }

  static async start(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
    const inMemory = options.storage === 'memory';
    if (inMemory && options.stateDir !== undefined) {
      throw new LocalRuntimeOptionsError('a state folder keeps DynamoDB and S3 data across runs; the memory store keeps nothing: use one or the other');
    }
    const servers = inMemory ? noLocalServers() : await startLocalServers({
      tableName: LOCAL_TABLE,
      bucketName: LOCAL_BUCKET,
      ...(options.stateDir !== undefined ? { directory: options.stateDir } : {}),
    });
    const env: Env = {
      ...LOCAL_DEFAULT_ENV,
      // The memory archive reads a version back for free; carrying it through the engine's states costs more.
      ...(inMemory ? { ALERTWARDEN_INLINE_REPORT_MAX_BYTES: '0' } : {}),
      ...options.env,
      ALERTWARDEN_TABLE: LOCAL_TABLE,
      ALERTWARDEN_BUCKET: LOCAL_BUCKET,
      ...localServerEnv(servers),
    };
    let engine: LocalEngine | undefined;
    // The engine is the starter; it is created below, after the handlers it runs.
    const engineStarter: ExecutionStarter = { start: (name, input) => engine!.start(name, input) };
    const starter = options.wrapStarter ? options.wrapStarter(engineStarter) : engineStarter;
    const clients = await createAwsClients(env, { dynamodb: servers.dynamodbRequestHandler, s3: servers.s3RequestHandler });
    let deps: PipelineDeps;
    try {
      // Every plugin kind, built once for all the handlers; each still sees its own (withPluginsOf).
      const overrides: DepsOverrides = {
        ...options,
        clients,
        starter,
        metrics: options.metrics ?? new CountingMetrics(),
        invoker: options.invoker ?? new InProcessFunctionInvoker(new Map(Object.entries(options.functions ?? {}))),
        ...(inMemory ? { store: memoryStoreFor(env), archive: new MemoryReportArchive() } : {}),
      };
      deps = await buildDeps(env, overrides, ALL_PLUGINS);
      // Unlike Lambda (first use), a local run loads lists and databases up front: a list that
      // cannot be read stops the run here, naming its path, instead of failing each inspection.
      await prepareInspectors(deps.plugins.inspectors, deps.logger);
    } catch (error) {
      await servers.stop();
      throw error;
    }
    const getDeps = async () => deps;
    const asLambda =
      (name: string, handler: (event: never, context: Context) => Promise<unknown>): LocalLambda =>
      (event) =>
        handler(event as never, lambdaContext(name));
    engine = new LocalEngine({
      lambdas: {
        PlanInspectionLambdaFunction: asLambda('planInspection', createPlanInspectionHandler(getDeps)),
        InspectLambdaFunction: asLambda('inspect', createInspectHandler(getDeps)),
        RecordFailureLambdaFunction: asLambda('recordFailure', createRecordFailureHandler(getDeps)),
        ReviewLambdaFunction: asLambda('review', createReviewHandler(getDeps)),
        EmitLambdaFunction: asLambda('emit', createEmitHandler(getDeps)),
        FinishRunLambdaFunction: asLambda('finishRun', createFinishRunHandler(getDeps)),
      },
      retryIntervalMs: options.retryIntervalMs ?? 20,
      ...(options.maxExecutionsInFlight !== undefined ? { maxExecutionsInFlight: options.maxExecutionsInFlight } : {}),
      ...(options.taskTimeoutSeconds !== undefined ? { taskTimeoutSeconds: options.taskTimeoutSeconds } : {}),
      ...(options.skipAggregationWait ? { skipAggregationWait: true } : {}),
      ...(options.onStateEntered !== undefined ? { onStateEntered: options.onStateEntered } : {}),
    });
    const ingestHandler = createIngestHandler(getDeps);
    const ingest = (records: SQSRecord[]) =>
      ingestHandler({ Records: records }, lambdaContext('ingest')) as Promise<SQSBatchResponse>;
    const runtime = new LocalRuntime(env, clients, servers, deps, engine, ingest, options);
    if (options.stateDir !== undefined) await runtime.recover(new QueueJournal(options.stateDir));
    const interval = options.sweepIntervalMs ?? 5_000;
    if (options.sweeper !== false && interval > 0) {
      runtime.sweepTimer = setInterval(() => {
        if (runtime.timedSweep) return; // one at a time, as the deployed sweeper's reserved concurrency of 1
        // A failed sweep is tried again at the next tick, as the schedule would.
        runtime.timedSweep = runtime
          .sweep()
          .catch((error: unknown) => deps.logger.warn('sweep failed', { error: (error as Error).message }))
          .finally(() => (runtime.timedSweep = undefined));
      }, interval);
      runtime.sweepTimer.unref();
    }
    return runtime;
  }

  /**
   * Picks up a killed run: its executions died with the process, so every round still marked
   * running is started again under its own execution name (a round is safe to re-run: planned
   * inspections skip pairs that have results, a review makes a new version); then every
   * message never acknowledged is received again (ingest is idempotent per alert).
   */
  private async recover(journal: QueueJournal): Promise<void> {
    const { pending, dead } = journal.recover();
    this.deadLetters.push(...dead.map((record) => ({ record, receiveCount: this.options.maxReceiveCount ?? 5 })));
    for (const reportId of await this.deps.store.listReportIds()) {
      const state = await this.deps.store.getState(reportId);
      if (!state?.running) continue;
      // Its execution died with the process: start it again under the same name.
      await this.deps.starter.start(executionNameOf(reportId, state.round), roundInputOf(reportId, state.round, this.deps.config));
      await this.deps.store.confirmStarted(reportId, state.round);
      this.resumed.rounds++;
    }
    this.journal = journal;
    this.resumed.messages = pending.length;
    await this.receive(pending);
  }

  /** Publishes alert messages (raw JSON text, valid or not) to the alert topic. */
  async publish(messages: string[], onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.deliver(messages.map((m) => sqsRecordOf(snsEnvelopeOf(m))), onProgress);
  }

  /**
   * Hands records to the ingest handler in batches of up to 10, as the SQS event source does.
   * Records the handler reports as failed are received again, up to maxReceiveCount, then
   * moved to the dead-letter queue.
   */
  async deliver(records: SQSRecord[], onProgress?: (done: number, total: number) => void): Promise<void> {
    this.journal?.enqueued(records);
    await this.receive(records, onProgress);
  }

  private async receive(records: SQSRecord[], onProgress?: (done: number, total: number) => void): Promise<void> {
    if (this.options.roundsDuringDelivery) return this.receiveBatches(records, onProgress);
    this.engine.hold();
    try {
      await this.receiveBatches(records, onProgress);
    } finally {
      this.engine.release();
    }
  }

  private async receiveBatches(records: SQSRecord[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const maxReceiveCount = this.options.maxReceiveCount ?? 5;
    const concurrency = this.options.ingestConcurrency ?? 4;
    let queue = records.map((record) => ({ record, receiveCount: 1 }));
    let settled = 0;
    while (queue.length > 0) {
      const retry: typeof queue = [];
      const batches = chunk(queue, 10);
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const stamped = batch.map(({ record, receiveCount }) => ({
            ...record,
            attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
          }));
          let failedIds: Set<string>;
          try {
            const response = await this.ingest(stamped);
            failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
          } catch {
            failedIds = new Set(batch.map((b) => b.record.messageId)); // a thrown batch is redelivered whole
          }
          const outcomes: { id: string; outcome: 'acked' | 'dead' }[] = [];
          for (const item of batch) {
            if (!failedIds.has(item.record.messageId)) {
              settled++;
              outcomes.push({ id: item.record.messageId, outcome: 'acked' });
            } else if (item.receiveCount >= maxReceiveCount) {
              this.deadLetters.push(item);
              settled++;
              outcomes.push({ id: item.record.messageId, outcome: 'dead' });
            } else {
              this.redeliveries++;
              retry.push({ record: item.record, receiveCount: item.receiveCount + 1 });
            }
          }
          this.journal?.settled(outcomes);
          onProgress?.(settled, records.length);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      if (retry.length > 0) await new Promise((r) => setTimeout(r, this.options.redeliveryDelayMs ?? 100));
      queue = retry;
    }
  }

  /**
   * One pass of the round sweeper. Here the engine knows which executions are alive, so a
   * round whose confirmed execution has ended without finishing it is due at once; in AWS
   * the sweeper waits for the round's deadline instead (it cannot tell slow from dead cheaply).
   */
  async sweep(): Promise<SweepOutcome> {
    const { store } = this.deps;
    const deadOrDue = (state: ReportState, nowMs: number) =>
      (state.sweepAt ?? Infinity) <= nowMs ||
      (state.startedRound >= state.round && !this.engine.isRunning(executionNameOf(state.reportId, state.round)));
    // Reports with an execution queued or running are not read at all: a storm keeps hundreds watched.
    const nowMs = this.deps.now();
    const candidates = (await store.listSweepable(Number.MAX_SAFE_INTEGER)).filter(
      ({ reportId, sweepAt }) => sweepAt <= nowMs || !this.engine.hasLiveExecution(reportId),
    );
    const outcome = await sweepRounds(
      candidates.map((c) => c.reportId),
      this.deps,
      deadOrDue,
    );
    this.swept.redriven.push(...outcome.redriven);
    this.swept.givenUp.push(...outcome.givenUp);
    return outcome;
  }

  /**
   * Waits until every pipeline execution has ended and, with the sweeper on, until no round
   * is left dead: each pass re-drives what failed, so this ends when every report has
   * finished or been given up on (re-drives are bounded).
   */
  async drain(): Promise<void> {
    for (;;) {
      await this.engine.drain();
      if (this.options.sweeper === false) return;
      const { redriven, givenUp } = await this.sweep();
      if (redriven.length === 0 && givenUp.length === 0) return;
    }
  }

  /**
   * The latest reviewed version of every report, with what each emitter did. A report whose
   * round failed before any review is compiled from the store, so it is shown, not hidden
   * (marked `unreviewed`).
   */
  async reports(): Promise<ReportView[]> {
    const ids = await this.deps.store.listReportIds();
    const views: ReportView[] = [];
    for (const id of ids) {
      const state = await this.deps.store.getState(id);
      if (!state) continue;
      const reviewed = state.lastVerdict?.version;
      const [report, emissions] = await Promise.all([
        reviewed ? this.deps.archive.get(id, reviewed) : this.deps.store.loadSnapshot(id).then((s) => compileReport(s, 'preliminary')),
        this.deps.store.listEmissions(id),
      ]);
      views.push({ report, emissions, ...(state.lastError ? { error: state.lastError } : {}), ...(reviewed ? {} : { unreviewed: true as const }) });
    }
    return views.sort((a, b) => a.report.createdAt.localeCompare(b.report.createdAt) || a.report.id.localeCompare(b.report.id));
  }

  /** Alerts refused at ingest since this runtime started, day by day (the store keeps them by UTC day). */
  async rejections(): Promise<Rejection[]> {
    return (await Promise.all(this.daysRun().map((day) => this.deps.store.listRejections(day)))).flat();
  }

  /** Emissions and rounds given up after their retries since this runtime started: the workflow's dead-letter list. */
  async pipelineFailures(): Promise<PipelineFailure[]> {
    return (await Promise.all(this.daysRun().map((day) => this.deps.store.listFailures(day)))).flat();
  }

  /** Every UTC day from this runtime's start to now, oldest first (one day unless the run crossed midnight). */
  private daysRun(): string[] {
    const DAY_MS = 86_400_000;
    const nowMs = this.deps.now();
    const first = Math.floor(Math.min(this.startedAtMs, nowMs) / DAY_MS);
    const last = Math.floor(Math.max(this.startedAtMs, nowMs) / DAY_MS);
    return Array.from({ length: last - first + 1 }, (_, i) => new Date((first + i) * DAY_MS).toISOString().slice(0, 10));
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.timedSweep;
    try {
      // Emitters release what they hold open (the report file) before the servers go.
      await Promise.all(this.deps.plugins.emitters.map((e) => e.close?.()));
    } finally {
      await this.servers.stop();
    }
  }
}
