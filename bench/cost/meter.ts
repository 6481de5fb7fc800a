/**
 * Counting what a LocalRuntime run would be billed for in AWS, from the requests its AWS SDK
 * clients send and from the engine's own counters:
 *
 * - DynamoDB: every command asks for ReturnConsumedCapacity=TOTAL; dynalite answers with AWS's
 *   rules (1 WRU per KB written, the larger of old and new item; 1 RRU per 4 KB read, half when
 *   eventually consistent; a Query rounds its total). A failed conditional write returns no
 *   capacity but is billed: its units come from the request item's size (`itemSizeBytes`).
 * - S3 and SNS: one request per command (SNS: per 64 KB chunk). Report-topic publishes are answered
 *   here, as there is no SNS server locally.
 * - Lambda: the engine's per-function invocations and time; ingest is timed here, one SQS batch
 *   per `deliver` call, as the event source invokes it.
 * - Express: each round-step execution (Triage and Conclude each start one) is timed by wrapping
 *   the engine's runner (see hookExpress); the AWS invoke overhead is added per Lambda task that ran
 *   inside the round step (the functions alert-round.asl.json invokes).
 * - SQS and the alert topic: derived from the deliveries (SNS -> SQS send per alert; one receive
 *   and one batch delete per batch).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { SQSRecord } from 'aws-lambda';
import { PIPELINE_DEFINITION, ROUND_DEFINITION } from '../../local/engine.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { functionKeyOf, type FunctionConfig } from './deployment.ts';
import type { PriceList } from './prices.ts';
import type { Usage } from './usage.ts';

const KB = 1024;
const SNS_CHUNK = 64 * KB;

/** AWS item size rules over plain JS values (what the document client sends before marshalling). */
export const valueSizeBytes = (v: unknown): number => {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (typeof v === 'number') {
    // Numbers: about one byte per two significant digits, plus one.
    const digits = String(Math.abs(v)).replace(/[.e+-]/g, '').replace(/^0+|0+$/g, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return 3 + v.reduce<number>((n, x) => n + 1 + valueSizeBytes(x), 0);
  if (v instanceof Set) return [...v].reduce<number>((n, x) => n + valueSizeBytes(x), 0);
  if (typeof v === 'object') return 3 + Object.entries(v).reduce((n, [k, x]) => n + Buffer.byteLength(k, 'utf8') + 1 + valueSizeBytes(x), 0);
  return Buffer.byteLength(String(v), 'utf8');
};

/** Attribute names plus values, as DynamoDB sizes an item. */
export const itemSizeBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + valueSizeBytes(v), 0);

type Json = any;

/** Lambda task states of a definition (Map and Parallel included): state name -> function key. */
export const lambdaTasksOf = (definitionPath: string): Map<string, string> => {
  const out = new Map<string, string>();
  const walk = (states: Record<string, Json> | undefined): void => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const target = state.Parameters?.FunctionName?.['Fn::GetAtt']?.[0];
      if (state.Type === 'Task' && state.Resource === 'arn:aws:states:::lambda:invoke' && typeof target === 'string') out.set(name, functionKeyOf(target));
      walk(state.ItemProcessor?.States ?? state.Iterator?.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk((JSON.parse(readFileSync(definitionPath, 'utf8')) as Json).States);
  return out;
};

/** Functions invoked inside the Express round step, and the pipeline's own (Standard) Lambda tasks. */
const ROUND_FUNCTIONS = new Set(lambdaTasksOf(ROUND_DEFINITION).values());
const PIPELINE_LAMBDA_TASKS = lambdaTasksOf(PIPELINE_DEFINITION);

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand']);

interface Timing {
  count: number;
  ms: number;
}

export interface MeterOptions {
  /** Publishes to this topic are answered locally (no SNS server on the machine). */
  reportTopicArn: string;
}

export class Meter {
  /** Off while the harness reads results back (report listings must not be billed to the scenario). */
  enabled = true;
  readonly dynamodb = { wru: 0, rru: 0, requests: new Map<string, number>() };
  /** Per command: requests and units, to show where the units go. */
  readonly dynamodbByCommand = new Map<string, { requests: number; wru: number; rru: number }>();
  /** Units spent while ingest ran (exact when rounds are held back during delivery, as in the storm). */
  readonly ingestUnits = { wru: 0, rru: 0 };
  readonly s3 = { put: 0, get: 0 };
  readonly sns = { reportPublishes: 0, requests: 0 };
  readonly ingest: Timing = { count: 0, ms: 0 };
  readonly sqs = { messages: 0, batches: 0, chunks: 0 };
  readonly alertTopic = { publishes: 0 };
  readonly express: Timing & { hooked: boolean } = { count: 0, ms: 0, hooked: false };
  /** Per execution: wall time, for rounding up per execution. */
  private readonly expressDurations: number[] = [];

  constructor(
    private readonly runtime: LocalRuntime,
    options: MeterOptions,
  ) {
    runtime.clients.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        this.dynamodb.requests.set(command, (this.dynamodb.requests.get(command) ?? 0) + 1);
        const tally = this.dynamodbByCommand.get(command) ?? { requests: 0, wru: 0, rru: 0 };
        this.dynamodbByCommand.set(command, tally);
        tally.requests++;
        const add = (kind: 'wru' | 'rru', units: number) => {
          this.dynamodb[kind] += units;
          tally[kind] += units;
        };
        try {
          const result = await next(args);
          const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
          if (command === 'BatchGetItemCommand') {
            // Billed like one GetItem per key: half a unit each (eventually consistent), found or not.
            const requested = Object.values(input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>);
            const floor = requested.reduce((n, r) => n + r.Keys.length * (r.ConsistentRead ? 1 : 0.5), 0);
            const spent = ((result.output as { ConsumedCapacity?: { CapacityUnits?: number }[] }).ConsumedCapacity ?? []).reduce(
              (n, c) => n + (c.CapacityUnits ?? 0),
              0,
            );
            add('rru', Math.max(spent, floor));
          } else if (command === 'BatchWriteItemCommand') {
            // Billed like one PutItem per item (1 WRU per KB each): memberships, attributes, sightings.
            const requested = Object.values(input.RequestItems as Record<string, unknown[]>).reduce((n, r) => n + r.length, 0);
            const spent = ((result.output as { ConsumedCapacity?: { CapacityUnits?: number }[] }).ConsumedCapacity ?? []).reduce(
              (n, c) => n + (c.CapacityUnits ?? 0),
              0,
            );
            add('wru', Math.max(spent, requested));
          } else if (WRITES.has(command)) add('wru', Math.max(consumed, 1));
          else if (READS.has(command)) add('rru', Math.max(consumed, input.ConsistentRead ? 1 : 0.5));
          return result;
        } catch (error) {
          // A failed conditional write is still billed, by the size of the item it would have written.
          if (WRITES.has(command) && (error as { name?: string }).name === 'ConditionalCheckFailedException') {
            const item = (input.Item as Record<string, unknown> | undefined) ?? (input.Key as Record<string, unknown> | undefined) ?? {};
            add('wru', Math.max(1, Math.ceil(itemSizeBytes(item) / KB)));
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'costMeterDynamoDb' },
    );
    runtime.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.enabled) {
          if (context.commandName === 'PutObjectCommand' || context.commandName === 'ListObjectsV2Command') this.s3.put++;
          else this.s3.get++;
        }
        return next(args);
      },
      { step: 'initialize', name: 'costMeterS3' },
    );
    runtime.clients.sns.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TopicArn?: string; Message?: string };
        if (this.enabled) this.sns.requests += Math.max(1, Math.ceil(Buffer.byteLength(input.Message ?? '', 'utf8') / SNS_CHUNK));
        if (context.commandName === 'PublishCommand' && input.TopicArn === options.reportTopicArn) {
          if (this.enabled) this.sns.reportPublishes++;
          return { output: { MessageId: `local-${this.sns.reportPublishes}`, $metadata: {} } as never, response: {} };
        }
        return next(args);
      },
      { step: 'initialize', name: 'costMeterSns' },
    );
    this.hookExpress();
  }

  /**
   * Times each Express round-step execution by wrapping LocalEngine's private runner (its
   * startExecution.sync Task handlers call `this.runRoundStep`). If the engine changes, the meter
   * falls back to an estimate (one execution per review, duration = its Lambda time) and says so.
   */
  private hookExpress(): void {
    const engine = this.runtime.engine as unknown as { runRoundStep?: (input: unknown) => Promise<unknown> };
    const original = engine.runRoundStep;
    if (typeof original !== 'function') return;
    const durations = this.expressDurations;
    const express = this.express;
    const meter = this;
    engine.runRoundStep = async function (this: unknown, input: unknown) {
      const started = performance.now();
      try {
        return await original.call(this, input);
      } finally {
        if (meter.enabled) {
          const ms = performance.now() - started;
          express.count++;
          express.ms += ms;
          durations.push(ms);
        }
      }
    };
    express.hooked = true;
  }

  /**
   * Publishes alerts as the alert topic would and hands them to ingest one SQS batch per call,
   * timing each invocation. Returns when every batch has been ingested (executions may still run).
   */
  async deliver(records: SQSRecord[], batchSize = 10): Promise<void> {
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      const started = performance.now();
      const units = { wru: this.dynamodb.wru, rru: this.dynamodb.rru };
      await this.runtime.deliver(batch);
      if (this.enabled) {
        this.ingestUnits.wru += this.dynamodb.wru - units.wru;
        this.ingestUnits.rru += this.dynamodb.rru - units.rru;
        // A redelivered batch would be another invocation; the scenarios check that none happened.
        this.ingest.count++;
        this.ingest.ms += performance.now() - started;
        this.sqs.batches++;
        this.sqs.messages += batch.length;
        this.alertTopic.publishes += batch.length;
        this.sqs.chunks += batch.reduce((n, r) => n + Math.max(1, Math.ceil(Buffer.byteLength(r.body, 'utf8') / SNS_CHUNK)), 0);
      }
    }
  }

  /** The run so far as billable quantities. */
  usage(functions: Record<string, FunctionConfig>, prices: PriceList): Usage {
    const sf = prices.prices.stepFunctions;
    const lambdaIncrement = prices.prices.lambda.billingIncrementMs;
    const invocations = Object.entries(this.runtime.engine.invocations).map(([id, t]): [string, Timing] => [functionKeyOf(id), t]);
    const timings: [string, Timing][] = [['ingest', this.ingest], ...invocations];
    const lambda: Usage['lambda'] = {};
    for (const [name, t] of timings) {
      if (t.count === 0) continue;
      const config = functions[name];
      if (!config) throw new Error(`function ${name} is not in serverless.yml`);
      // Billed per invocation rounded up to the increment: at most one increment more each.
      const billedMs = t.ms + t.count * lambdaIncrement;
      lambda[name] = { requests: t.count, gbSeconds: (billedMs / 1000) * (config.memoryMb / 1024), architecture: config.architecture };
    }
    // Lambda calls made inside round steps: every invocation of a round function, less the ones the
    // pipeline itself made (RecordPipelineFailure calls finishRun outside the round step).
    const roundInvocations = invocations.filter(([name]) => ROUND_FUNCTIONS.has(name));
    const pipelineCalls = [...PIPELINE_LAMBDA_TASKS].reduce((n, [state, fn]) => n + (ROUND_FUNCTIONS.has(fn) ? (this.runtime.engine.stateEntries[state] ?? 0) : 0), 0);
    const expressTasks = Math.max(0, roundInvocations.reduce((n, [, t]) => n + t.count, 0) - pipelineCalls);
    let expressRequests: number;
    let expressBilledMs: number;
    const overhead = prices.assumptions.awsInvokeOverheadMsPerTask;
    const roundUp = (ms: number) => Math.ceil(ms / sf.expressBillingIncrementMs) * sf.expressBillingIncrementMs;
    if (this.express.hooked) {
      expressRequests = this.express.count;
      const perExecutionOverhead = expressRequests > 0 ? (overhead * expressTasks) / expressRequests : 0;
      expressBilledMs = this.expressDurations.reduce((n, ms) => n + roundUp(ms + perExecutionOverhead), 0);
    } else {
      // Every round-step execution runs exactly one review (alert-round.asl.json).
      expressRequests = invocations.find(([name]) => name === 'review')?.[1].count ?? 0;
      const taskMs = roundInvocations.reduce((n, [, t]) => n + t.ms, 0);
      expressBilledMs = expressRequests * roundUp(expressRequests ? (taskMs + overhead * expressTasks) / expressRequests : 0);
    }
    return {
      standardTransitions: this.runtime.engine.transitions.standard,
      expressRequests,
      expressGbSeconds: (expressBilledMs / 1000) * (sf.expressBillingMemoryMb / 1024),
      lambda,
      dynamodbWru: this.dynamodb.wru,
      dynamodbRru: this.dynamodb.rru,
      s3Put: this.s3.put,
      s3Get: this.s3.get,
      // The tools' publishes to the alert topic plus the emitter's to the report topic.
      snsPublish: this.sqs.chunks + this.sns.requests,
      // SNS -> SQS: one SendMessage per message (per 64 KB chunk); the event source: one receive and one batch delete per batch.
      sqsRequests: this.sqs.chunks + 2 * this.sqs.batches,
    };
  }
}
