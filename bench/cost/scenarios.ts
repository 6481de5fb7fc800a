/**
 * The cost scenarios, run on the local engine with the deployment's configuration (inspectors,
 * emitters, thresholds and the aggregation wait as in serverless.yml params.default), the wait
 * itself passed at once: waiting is free in Step Functions, so it changes no count, while a
 * wait of 0 would (its triage is skipped).
 */
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertInput } from '../../core/alert.ts';
import type { ExecutionStarter } from '../../core/store.ts';
import { createConsoleEmitter } from '../../emitters/console/index.ts';
import { LocalRuntime, snsEnvelopeOf, sqsRecordOf } from '../../local/runtime.ts';
import type { Workload } from './deepalert.ts';
import { readAggregationDelaySeconds } from './deployment.ts';
import { Meter } from './meter.ts';

const REPORT_TOPIC = 'arn:aws:sns:us-east-1:000000000000:alertwarden-cost-reports';
const BLOCKLIST = new URL('../../examples/blocklists/known-bad.txt', import.meta.url).pathname;
/** The deployed defaults (serverless.yml params.default) plus the file emitter: three emitters. */
const EMITTERS = ['console', 'file', 'sns'];
/** COST_INSPECTORS prices another set, e.g. `blocklist,correlation` for what sightings add. */
const INSPECTORS = (process.env.COST_INSPECTORS ?? 'blocklist').split(',').map((s) => s.trim()).filter(Boolean);

export interface Measured {
  meter: Meter;
  /** Rounds were held back during delivery, so the meter's ingest units are ingest's alone. */
  ingestIsolated: boolean;
  workload: Workload;
  /** Pipeline executions started (report rounds). */
  executions: number;
  notes: string[];
}

/** Alerts go through SQS batches of `batchSize`; with `deferStarts`, rounds start only when `releaseStarts` is called. */
interface Harness {
  runtime: LocalRuntime;
  meter: Meter;
  deliver(alerts: AlertInput[], batchSize: number): Promise<void>;
  releaseStarts(): Promise<void>;
}

const withHarness = async (options: { deferStarts: boolean }, body: (h: Harness) => Promise<void>): Promise<Measured> => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-cost-'));
  const deferred: (() => Promise<void>)[] = [];
  const runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: String(readAggregationDelaySeconds()),
      ALERTWARDEN_INSPECTORS: INSPECTORS.join(','),
      ALERTWARDEN_BLOCKLISTS: `known-bad=${BLOCKLIST}`,
      ALERTWARDEN_EMITTERS: EMITTERS.join(','),
      ALERTWARDEN_FILE_EMITTER_PATH: join(dir, 'reports.jsonl'),
      ALERTWARDEN_REPORT_TOPIC_ARN: REPORT_TOPIC,
    },
    // The real console emitter, writing nowhere: the bench prints its own table.
    skipAggregationWait: true,
    extraEmitters: [createConsoleEmitter({ stream: new Writable({ write: (_chunk, _enc, done) => done() }) })],
    ...(options.deferStarts
      ? { wrapStarter: (engine: ExecutionStarter): ExecutionStarter => ({ start: async (name, input) => void deferred.push(() => engine.start(name, input)) }) }
      : {}),
  });
  const meter = new Meter(runtime, { reportTopicArn: REPORT_TOPIC });
  try {
    await body({
      runtime,
      meter,
      deliver: (alerts, batchSize) => meter.deliver(alerts.map((a) => sqsRecordOf(snsEnvelopeOf(JSON.stringify(a)))), batchSize),
      releaseStarts: async () => {
        await Promise.all(deferred.splice(0).map((start) => start()));
        await runtime.drain();
      },
    });
    await runtime.drain();
    meter.enabled = false;
    const notes: string[] = [];
    if (runtime.redeliveries > 0 || runtime.deadLetters.length > 0) notes.push(`${runtime.redeliveries} redeliveries, ${runtime.deadLetters.length} dead letters: counts include retries`);
    if (runtime.engine.failures.length > 0) notes.push(`${runtime.engine.failures.length} failed executions: ${runtime.engine.failures[0]!.error}`);
    if (!meter.express.hooked) notes.push('Express executions estimated (one per review): the engine runner could not be wrapped');
    return { meter, ingestIsolated: options.deferStarts, workload: await workloadOf(runtime, meter), executions: runtime.engine.executionCount, notes };
  } finally {
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
};

const workloadOf = async (runtime: LocalRuntime, meter: Meter): Promise<Workload> => {
  const views = await runtime.reports();
  let alerts = 0;
  let alertBytes = 0;
  let occurrences = 0;
  let fromAlerts = 0;
  let discovered = 0;
  let findings = 0;
  let findingBytes = 0;
  const discoveryMessages = new Set<string>();
  for (const { report } of views) {
    for (const a of report.alerts) {
      alerts++;
      const { fingerprint: _f, receivedAt: _r, ...alert } = a;
      alertBytes += Buffer.byteLength(JSON.stringify(alert), 'utf8');
      occurrences += a.attributes.length;
    }
    for (const attr of report.attributes) {
      if (attr.depth === 0) fromAlerts++;
      else {
        discovered++;
        discoveryMessages.add(`${report.id}#${attr.origin}#${attr.depth}`);
      }
    }
    for (const f of report.findings) {
      findings++;
      findingBytes += Buffer.byteLength(JSON.stringify(f), 'utf8');
    }
  }
  return {
    alerts,
    ingestBatches: meter.sqs.batches,
    reports: views.length,
    attributeOccurrences: occurrences,
    newAttributes: fromAlerts,
    discoveredAttributes: discovered,
    discoveryMessages: discoveryMessages.size,
    findings,
    inspectors: INSPECTORS.length,
    emitters: EMITTERS.length,
    alertBytes: alerts ? alertBytes / alerts : 0,
    findingBytes: findings ? findingBytes / findings : 0,
  };
};

/** One alert, four attribute types (two of them inspectable by the blocklist), three emitters. */
export const singleAlert = (): Promise<Measured> =>
  withHarness({ deferStarts: false }, async (h) => {
    await h.deliver(
      [
        {
          detector: 'guardduty',
          rule_id: 'UnauthorizedAccess:EC2/TorClient',
          alert_key: 'i-0123456789abcdef0',
          description: 'EC2 instance contacted a known-bad address',
          timestamp: '2026-11-23T10:00:00Z',
          attributes: [
            { type: 'ipaddr', key: 'remote address', value: '203.0.113.9', context: ['remote'] },
            { type: 'domain', key: 'query', value: 'beacon.evil.example', context: ['remote'] },
            { type: 'username', key: 'os user', value: 'ec2-user', context: ['local', 'subject'] },
            { type: 'aws_instance_id', key: 'instance', value: 'i-0123456789abcdef0', context: ['local', 'subject'] },
          ],
        },
      ],
      1,
    );
  });

export interface StormOptions {
  /** Keys in the measured sample (the storm has 1,000); alerts per key are kept at the storm's ratio. */
  sampleKeys: number;
  alertsPerKey: number;
  /** Aggregation periods the storm spans: its duration / the aggregation delay. */
  waves: number;
}

/**
 * A storm sample: `sampleKeys` keys x `alertsPerKey` alerts, arriving over `waves` aggregation
 * periods. Each wave is ingested in full SQS batches with rounds held back, then the held rounds
 * run: what one aggregation wait does in AWS (a round started by the first alert of the period
 * reviews everything that arrived during its wait). Every key: 5 rotating source addresses and
 * one domain, so the report has 6 distinct attributes.
 */
export const stormSample = (o: StormOptions): Promise<Measured> =>
  withHarness({ deferStarts: true }, async (h) => {
    const perWave = Math.ceil(o.alertsPerKey / o.waves);
    let sent = 0;
    for (let wave = 0; sent < o.alertsPerKey; wave++) {
      const alerts: AlertInput[] = [];
      for (let i = sent; i < Math.min(sent + perWave, o.alertsPerKey); i++) {
        for (let k = 0; k < o.sampleKeys; k++) {
          alerts.push({
            detector: 'vpc-flow',
            rule_id: 'port-scan-inbound',
            alert_key: `10.0.${k >> 8}.${k & 255}`,
            description: 'inbound connection attempts on closed ports',
            timestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + i * 3600).toISOString(),
            attributes: [
              { type: 'ipaddr', key: 'source', value: `198.51.100.${(i % 5) + 1}`, context: ['remote'] },
              { type: 'domain', key: 'reverse dns', value: `scanner-${k}.example.net`, context: ['remote'] },
            ],
          });
        }
      }
      sent += perWave;
      await h.deliver(alerts, 10);
      await h.releaseStarts();
    }
  });

/** 5 alerts a day for 30 days, each its own report (different rules and keys), each its own SQS batch. */
export const steadyMonth = (): Promise<Measured> =>
  withHarness({ deferStarts: false }, async (h) => {
    const rules = ['root-console-login', 'iam-user-created', 'sg-open-to-world', 'new-ami', 's3-acl-public'];
    for (let day = 0; day < 30; day++) {
      for (let n = 0; n < 5; n++) {
        await h.deliver(
          [
            {
              detector: 'reddalert',
              rule_id: rules[n]!,
              alert_key: `day-${day}-${n}`,
              timestamp: new Date(Date.UTC(2026, 10, 1 + day, 9 + n)).toISOString(),
              attributes: [
                { type: 'ipaddr', key: 'source', value: `198.51.100.${(day * 5 + n) % 250 + 1}`, context: ['remote'] },
                { type: 'username', key: 'actor', value: `user-${n}`, context: ['subject'] },
              ],
            },
          ],
          1,
        );
        await h.runtime.drain();
      }
    }
  });
