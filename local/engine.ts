/**
 * The embedded Step Functions engine: the repository's ASL definitions run by
 * aws-local-stepfunctions, every Lambda task mapped to the same handler module AWS runs, the
 * Express round step run in-process for `states:startExecution.sync:2`.
 */
import './polyfills.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { StateMachine as EngineStateMachine } from 'aws-local-stepfunctions';
import stepFunctions from './stepfunctions-engine.cjs';
import type { ExecutionStarter, RoundInput } from '../core/store.ts';

// The engine's CommonJS build, its path queries answered without a thrown Error (see the .cjs).
const { StateMachine } = stepFunctions;
type StateMachine = EngineStateMachine;

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'us-east-1';

export const PIPELINE_DEFINITION = fileURLToPath(new URL('../statemachines/alert-pipeline.asl.json', import.meta.url));
export const ROUND_DEFINITION = fileURLToPath(new URL('../statemachines/alert-round.asl.json', import.meta.url));

/** A Lambda handler as the engine sees it: JSON in, JSON out. */
export type LocalLambda = (event: unknown) => Promise<unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const lambdaArn = (logicalId: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
const stateMachineArn = (logicalId: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;

/**
 * CloudFormation references inside the ASL (resolved by serverless-step-functions on deploy)
 * become local ARNs here, so the definition runs unchanged.
 */
export const resolveReferences = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(resolveReferences);
  if (value && typeof value === 'object') {
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') return lambdaArn(getAtt[0]);
    const ref = value.Ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1) return stateMachineArn(ref);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v)]));
  }
  return value;
};

interface TaskState {
  Type: 'Task';
  Resource: string;
  Parameters?: { FunctionName?: string; StateMachineArn?: string };
  Retry?: unknown[];
}

/**
 * Local retry pauses, one per retrier: short, except for a retrier that waits out an emission
 * lease. A lease is wall-clock time (the attempt holding it may still be delivering), so retrying
 * it after milliseconds would only exhaust the retries and record a false emission failure; it
 * keeps the ASL's own interval (-1: no override).
 */
const retryIntervals = (retriers: unknown[], shortMs: number): number[] =>
  retriers.map((r) => ((r as { ErrorEquals?: string[] }).ErrorEquals?.includes('EmissionInProgressError') ? -1 : shortMs));

/** Every Task state by name, nested Map and Parallel states included (overrides are keyed by state name). */
const taskStates = (states: Record<string, Json>, into = new Map<string, TaskState>()) => {
  for (const [name, state] of Object.entries(states)) {
    const s = state as Record<string, Json>;
    if (s.Type === 'Task') {
      if (into.has(name)) throw new Error(`state name ${name} is used twice; local overrides need unique names`);
      into.set(name, s as unknown as TaskState);
    }
    const processor = (s.ItemProcessor ?? s.Iterator) as { States?: Record<string, Json> } | undefined;
    if (processor?.States) taskStates(processor.States, into);
    for (const branch of (s.Branches as { States: Record<string, Json> }[] | undefined) ?? []) taskStates(branch.States, into);
  }
  return into;
};

const loadDefinition = (path: string) => resolveReferences(JSON.parse(readFileSync(path, 'utf8')) as Json) as Record<string, Json>;

export class StepFunctionsTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Per-execution counts: Standard transitions are billed, Express ones are not. */
export interface TransitionCounts {
  standard: number;
  express: number;
}

export interface LocalEngineOptions {
  /** Handlers by serverless logical id, e.g. `InspectLambdaFunction`. */
  lambdas: Record<string, LocalLambda>;
  /** Replaces every Retry interval: local runs should not sleep through AWS back-offs. */
  retryIntervalMs?: number;
  onExecutionEnd?: (name: string, outcome: { status: 'SUCCEEDED' | 'FAILED'; error?: string }) => void;
  /**
   * Called as each state is entered, in order (Standard: the pipeline; Express: a round step),
   * with the state's input: lets a test prove what happened before what, not how long it took.
   */
  onStateEntered?: (workflow: keyof TransitionCounts, state: string, input: unknown) => void;
  /**
   * Pipeline executions running at once; the others wait, not yet started, so no Task clock
   * runs while they do. Without a cap a storm runs every round at once on two cores and each
   * Task's time runs out while it waits for CPU (States.Timeout); capping the round steps
   * instead still times out their parents' Tasks, which wait in the same line. With this cap a
   * storm is a queue. (AWS bounds the same work through Lambda concurrency.)
   */
  maxExecutionsInFlight?: number;
  /** Fault injection: TimeoutSeconds replaced for these Task states (by name), to make a round time out in a test. */
  taskTimeoutSeconds?: Record<string, number>;
  /**
   * Pass the aggregation Wait at once, whatever the configured wait: the executions then take
   * the path of a deployment with that wait (the triage round step runs) without sleeping
   * through it. The cost bench counts AWS operations this way.
   */
  skipAggregationWait?: boolean;
}

/** A counting semaphore: `run` waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** Definitions (as JSON text) this process has validated already. */
const validatedDefinitions = new Set<string>();

/**
 * Definitions validated by an earlier process: a marker per SHA-256 of the definition and the
 * engine's version (the validator ships inside it), so the same text meets the same validator.
 * The CLI is a new process per run and its ajv validation cost ~0.34 s of CPU each start (0.5 s
 * under load). Only a success is recorded; no engine package.json found, no disk cache.
 */
const VALIDATED_DIR = fileURLToPath(new URL('../node_modules/.cache/alertwarden/validated-asl/', import.meta.url));
const ENGINE_VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../node_modules/aws-local-stepfunctions/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
})();
export const validatedMarker = (text: string) =>
  ENGINE_VERSION === undefined ? undefined : join(VALIDATED_DIR, createHash('sha256').update(`${ENGINE_VERSION}\n${text}`).digest('hex'));

export const stateMachineOf = (definition: Record<string, Json>): StateMachine => {
  const text = JSON.stringify(definition);
  const marker = validatedMarker(text);
  const validated = validatedDefinitions.has(text) || (marker !== undefined && existsSync(marker));
  const machine = new StateMachine(definition as never, validated ? { validationOptions: { noValidate: true } } : {});
  validatedDefinitions.add(text);
  if (!validated && marker !== undefined) {
    try {
      mkdirSync(VALIDATED_DIR, { recursive: true });
      writeFileSync(marker, '');
    } catch {
      // A read-only install validates again next time.
    }
  }
  return machine;
};

export class LocalEngine implements ExecutionStarter {
  private readonly pipeline: StateMachine;
  private readonly roundStep: StateMachine;
  private readonly overrides: {
    taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>>;
    retryIntervalOverrides: Record<string, number | number[]>;
    waitTimeOverrides: Record<string, number>;
  };
  private readonly executions = new Map<string, { input: string; done: Promise<void> }>();
  private readonly live = new Set<string>();
  /** Live executions per report id. */
  private readonly liveReports = new Map<string, number>();
  private readonly roundSteps = new Set<Promise<void>>();
  readonly transitions: TransitionCounts = { standard: 0, express: 0 };
  /** Entries per state name, both workflows: shows where transitions go. */
  readonly stateEntries: Record<string, number> = {};
  /** Largest JSON payload handed to or returned by a function; Step Functions caps state data at 256 KB. */
  maxPayloadBytes = 0;
  /**
   * Per function logical id: invocations and wall time spent, for cost models (GB-s), and the
   * JSON bytes that crossed the Lambda boundary each way (what every state hands its function).
   */
  readonly invocations: Record<string, { count: number; ms: number; bytesIn: number; bytesOut: number }> = {};
  failures: { name: string; error: string }[] = [];
  /** Most pipeline executions seen running at once (at most `maxExecutionsInFlight`). */
  peakExecutionsInFlight = 0;
  private executionsInFlight = 0;
  private readonly executionSlots: Slots;
  private holds = 0;
  private readonly held: (() => void)[] = [];

  constructor(private readonly options: LocalEngineOptions) {
    this.executionSlots = new Slots(options.maxExecutionsInFlight ?? 16);
    const pipelineDefinition = loadDefinition(PIPELINE_DEFINITION);
    const roundDefinition = loadDefinition(ROUND_DEFINITION);
    for (const [name, seconds] of Object.entries(options.taskTimeoutSeconds ?? {})) {
      const task = taskStates(pipelineDefinition.States as Record<string, Json>).get(name) ?? taskStates(roundDefinition.States as Record<string, Json>).get(name);
      if (!task) throw new Error(`taskTimeoutSeconds: no Task state named ${name}`);
      (task as unknown as { TimeoutSeconds: number }).TimeoutSeconds = seconds;
    }
    // Built once per engine, and each definition validated once per process: validating costs
    // 100-400 ms of CPU per machine, and a test file or a bench starts many engines.
    this.pipeline = stateMachineOf(pipelineDefinition);
    this.roundStep = stateMachineOf(roundDefinition);
    const tasks = taskStates(pipelineDefinition.States as Record<string, Json>);
    taskStates(roundDefinition.States as Record<string, Json>, tasks);
    this.overrides = { taskResourceLocalHandlers: {}, retryIntervalOverrides: {}, waitTimeOverrides: options.skipAggregationWait ? { WaitForAggregation: 0 } : {} };
    for (const [name, state] of tasks) {
      this.overrides.taskResourceLocalHandlers[name] = this.handlerFor(name, state);
      if (state.Retry && options.retryIntervalMs !== undefined) this.overrides.retryIntervalOverrides[name] = retryIntervals(state.Retry, options.retryIntervalMs);
    }
  }

  private handlerFor(stateName: string, state: TaskState): (input: unknown) => Promise<unknown> {
    if (state.Resource === 'arn:aws:states:::lambda:invoke') {
      const logicalId = String(state.Parameters?.FunctionName ?? '').split(':function:')[1] ?? '';
      const lambda = this.options.lambdas[logicalId];
      if (!lambda) throw new Error(`state ${stateName} invokes ${logicalId || '(no FunctionName)'}, which has no local handler`);
      const usage = (this.invocations[logicalId] ??= { count: 0, ms: 0, bytesIn: 0, bytesOut: 0 });
      return async (input) => {
        const { Payload } = input as { Payload: unknown };
        const started = performance.now();
        usage.count++;
        try {
          // JSON round trips stand in for the Lambda boundary: nothing but JSON crosses it in AWS either.
          const event = JSON.stringify(Payload ?? null);
          const result = JSON.stringify((await lambda(JSON.parse(event))) ?? null);
          const bytesIn = Buffer.byteLength(event);
          const bytesOut = Buffer.byteLength(result);
          usage.bytesIn += bytesIn;
          usage.bytesOut += bytesOut;
          this.maxPayloadBytes = Math.max(this.maxPayloadBytes, bytesIn, bytesOut);
          return { StatusCode: 200, Payload: JSON.parse(result) };
        } finally {
          usage.ms += performance.now() - started;
        }
      };
    }
    if (state.Resource.startsWith('arn:aws:states:::states:startExecution.sync')) {
      return async (input) => {
        const { Input } = input as { Input: unknown };
        const output = await this.runRoundStep(Input);
        return { Output: output, Status: 'SUCCEEDED' };
      };
    }
    throw new Error(`state ${stateName} uses ${state.Resource}, which the local engine does not run`);
  }

  private runRoundStep(input: unknown): Promise<unknown> {
    const step = this.runRoundStepNow(input);
    // A round step outlives a parent Task that timed out (as an Express child does): drain waits for it too.
    const settled = step.then(
      () => undefined,
      () => undefined,
    );
    this.roundSteps.add(settled);
    void settled.then(() => this.roundSteps.delete(settled));
    return step;
  }

  private async runRoundStepNow(input: unknown): Promise<unknown> {
    const execution = this.roundStep.run(input as never, { overrides: this.overrides as never });
    const counting = this.count(execution.eventLogs, 'express');
    try {
      return await execution.result;
    } catch (error) {
      // As in AWS, the parent sees States.TaskFailed; the cause keeps the child's own error name.
      const cause = ((error as Error).cause ?? error) as Error;
      throw new StepFunctionsTaskError('States.TaskFailed', `round step failed: ${cause.name}: ${cause.message}`);
    } finally {
      await counting;
    }
  }

  private async count(events: AsyncGenerator<{ type: string; state?: { name: string; input?: unknown } }>, kind: keyof TransitionCounts) {
    for await (const event of events) {
      if (event.type !== 'StateEntered') continue;
      this.transitions[kind]++;
      const name = event.state?.name ?? '?';
      this.stateEntries[name] = (this.stateEntries[name] ?? 0) + 1;
      this.options.onStateEntered?.(kind, name, event.state?.input);
    }
  }

  /** StartExecution semantics: a name runs once; the same name and input again is a no-op, other input an error. */
  async start(name: string, input: RoundInput): Promise<void> {
    const serialized = JSON.stringify(input);
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.input !== serialized) throw new StepFunctionsTaskError('ExecutionAlreadyExists', `execution ${name} already exists`);
      return;
    }
    // Live from now on, queued, held or running: the sweeper must not take a waiting round for dead.
    this.live.add(name);
    this.liveReports.set(input.reportId, (this.liveReports.get(input.reportId) ?? 0) + 1);
    if (this.holds > 0) {
      let go!: () => void;
      const released = new Promise<void>((resolve) => (go = resolve));
      this.held.push(go);
      this.executions.set(name, { input: serialized, done: released.then(() => this.run(name, input)) });
      return;
    }
    this.executions.set(name, { input: serialized, done: this.run(name, input) });
  }

  private run(name: string, input: RoundInput): Promise<void> {
    const run = () => {
      this.peakExecutionsInFlight = Math.max(this.peakExecutionsInFlight, ++this.executionsInFlight);
      const execution = this.pipeline.run({ ...input }, { overrides: this.overrides as never });
      const counting = this.count(execution.eventLogs, 'standard');
      return execution.result.then(
        () => counting,
        async (error: unknown) => {
          await counting;
          throw error;
        },
      ).finally(() => this.executionsInFlight--);
    };
    const ended = () => {
      this.live.delete(name);
      const left = (this.liveReports.get(input.reportId) ?? 1) - 1;
      if (left > 0) this.liveReports.set(input.reportId, left);
      else this.liveReports.delete(input.reportId);
    };
    return this.executionSlots.run(run).finally(ended).then(
      () => this.options.onExecutionEnd?.(name, { status: 'SUCCEEDED' }),
      (error: Error) => {
        this.failures.push({ name, error: error.message });
        this.options.onExecutionEnd?.(name, { status: 'FAILED', error: error.message });
      },
    );
  }

  /**
   * Holds back the executions started from now until the matching `release`: the local queue
   * uses it while it still has messages to deliver, so that a report's round begins once its
   * backlog is in, as the aggregation wait does in AWS. Without it, waits of 0 and a report
   * whose alerts keep arriving mean one round per ingest batch instead of one per report.
   * Holds nest; names are taken at `start`, so a held start is still idempotent.
   */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (this.holds === 0) return;
    if (--this.holds > 0) return;
    for (const run of this.held.splice(0)) run();
  }

  /** Whether the execution of this name was started and has not ended: what DescribeExecution would say. */
  isRunning(name: string): boolean {
    return this.live.has(name);
  }

  /** Whether any execution of this report is queued or running. */
  hasLiveExecution(reportId: string): boolean {
    return this.liveReports.has(reportId);
  }

  get executionCount() {
    return this.executions.size;
  }

  /** Names of the pipeline executions started so far (`<reportId>-r<round>`). */
  executionNames(): string[] {
    return [...this.executions.keys()];
  }

  /** Resolves when every execution started so far, and any they led to, has ended. */
  async drain(): Promise<void> {
    let seen = -1;
    while (seen !== this.executions.size || this.roundSteps.size > 0) {
      seen = this.executions.size;
      await Promise.all([...this.executions.values()].map((e) => e.done));
      await Promise.all([...this.roundSteps]);
    }
  }
}
