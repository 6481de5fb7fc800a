/**
 * deepalert's design (cookpad/deepalert: cdk/deepalert-stack.ts, internal/usecase/alert.go,
 * internal/service/repository.go, lambda/*), counted for a workload and priced with the same
 * model as AlertWarden. Nothing is run: deepalert is Go and needs AWS; the counts follow its code.
 *
 * Per alert:   SNS publish (the tool) -> SQS -> receptAlert (per SQS batch): TakeReport (conditional
 *              put of alertmap; if it exists: failed put + GetItem), SaveAlertCache (put), start the
 *              inspection machine (Wait + InvokeDispatchInspection = 2 transitions), start the review
 *              machine if the report is new (Wait + compile + reviewer + submit = 4 transitions),
 *              PutReport (put: status new/more).
 *              dispatchInspection: a conditional put per attribute; each NEW attribute -> SNS task
 *              topic -> EVERY inspector Lambda (no filtering by type).
 * Inspectors:  each finding -> SQS -> submitFinding (put); new attributes -> SQS -> feedbackAttribute
 *              (conditional put; new -> SNS task -> every inspector).
 * Every table write (stream, batch size 1) invokes publishReport; report records are published to
 * the report topic, to which every emitter Lambda subscribes: PutReport per alert + 1 per review.
 */
import type { PriceList } from './prices.ts';
import type { Usage } from './usage.ts';

/** What happened in a scenario, independent of the design that processed it. */
export interface Workload {
  alerts: number;
  /** SQS batches delivered to the ingest function (same event source settings in both designs). */
  ingestBatches: number;
  /** Report windows (deepalert reviews each once; AlertWarden reviews per round). */
  reports: number;
  /** Attributes carried by the alerts, repeats included (deepalert writes a cache item for each). */
  attributeOccurrences: number;
  /** Distinct (report, attribute) pairs from alerts: what deepalert dispatches to the inspectors. */
  newAttributes: number;
  /** Distinct (report, attribute) pairs discovered by inspectors. */
  discoveredAttributes: number;
  /** Inspector answers that carried new attributes (one SQS message each in deepalert). */
  discoveryMessages: number;
  findings: number;
  /** Inspectors deployed (deepalert sends every attribute to every one). */
  inspectors: number;
  emitters: number;
  /** Mean JSON size of one alert, bytes. */
  alertBytes: number;
  /** Mean JSON size of one finding, bytes. */
  findingBytes: number;
}

const KB = 1024;
/** Item overhead beyond the JSON payload: keys, TTL, timestamps (deepalert models/db.go RecordBase). */
const ITEM_OVERHEAD_BYTES = 150;
const wru = (bytes: number): number => Math.ceil((bytes + ITEM_OVERHEAD_BYTES) / KB);
/** Go SDK GetItem/Query default: eventually consistent, half a unit per 4 KB. */
const eventualRru = (bytes: number): number => Math.ceil(Math.max(bytes, 1) / (4 * KB)) / 2;
/** SQS consumers with batch size 10 and full batches: the cheapest case for deepalert. */
const batches = (messages: number): number => Math.ceil(messages / 10);

export interface DeepalertCounts {
  usage: Usage;
  /** Lambda invocations by function, for the printout. */
  invocations: Record<string, number>;
}

export const deepalertUsage = (w: Workload, p: PriceList): DeepalertCounts => {
  const a = p.assumptions;
  const N = w.alerts;
  const R = w.reports;
  const dispatched = w.newAttributes + w.discoveredAttributes;
  const reportPublishes = N + R; // PutReport per alert (status new/more) + submitReport after the review
  const streamWrites = R /* new alertmap */ + N /* alert cache */ + N /* PutReport */ + R /* submitReport */ + dispatched /* new attribute cache */ + w.findings;
  const invocations: Record<string, number> = {
    receptAlert: w.ingestBatches,
    dispatchInspection: N,
    inspectors: dispatched * w.inspectors,
    submitFinding: batches(w.findings),
    feedbackAttribute: batches(w.discoveryMessages),
    publishReport: streamWrites,
    compileReport: R,
    reviewer: R,
    submitReport: R,
    emitters: reportPublishes * w.emitters,
  };
  const gbSecondsPerInvocation = (a.deepalertLambdaMs / 1000) * (a.deepalertLambdaMemoryMb / 1024);
  const architecture = a.deepalertLambdaArchitecture;
  const lambda = Object.fromEntries(
    Object.entries(invocations).map(([name, n]) => [name, { requests: n, gbSeconds: n * gbSecondsPerInvocation, architecture }]),
  );
  const alertsPerReport = R > 0 ? N / R : 0;
  const findingsPerReport = R > 0 ? w.findings / R : 0;
  const attributesPerReport = R > 0 ? dispatched / R : 0;
  const dynamodbWru =
    N /* TakeReport: conditional put, new or failed (a failed conditional write still consumes) */ +
    N * wru(w.alertBytes) /* SaveAlertCache */ +
    N * wru(w.alertBytes) /* PutReport per alert: the report item carries the alert */ +
    (w.attributeOccurrences + w.discoveredAttributes) /* PutAttributeCache, conditional, ~200 B */ +
    w.findings * wru(w.findingBytes) /* SaveFinding */ +
    R /* submitReport */;
  const dynamodbRru =
    (N - R) * eventualRru(200) /* TakeReport GetAlertEntry when the report exists */ +
    R *
      (eventualRru(2 * KB) /* GetReport */ +
        eventualRru(alertsPerReport * (w.alertBytes + ITEM_OVERHEAD_BYTES)) /* alert caches */ +
        eventualRru(findingsPerReport * (w.findingBytes + ITEM_OVERHEAD_BYTES)) /* contents */ +
        eventualRru(attributesPerReport * 250)) /* attribute caches */;
  const usage: Usage = {
    standardTransitions: 2 * N + 4 * R,
    expressRequests: 0,
    expressGbSeconds: 0,
    lambda,
    dynamodbWru,
    dynamodbRru,
    s3Put: 0,
    s3Get: 0,
    snsPublish: N /* tools */ + dispatched /* task topic */ + reportPublishes /* report topic */,
    sqsRequests:
      N + 2 * w.ingestBatches /* alert queue: send (from SNS), receive, delete */ +
      w.findings + 2 * batches(w.findings) /* finding queue */ +
      w.discoveryMessages + 2 * batches(w.discoveryMessages) /* attribute queue */,
  };
  return { usage, invocations };
};

/** deepalert's traffic-independent resources: three Lambda-polled queues, no alarms, no customer key. */
export const DEEPALERT_FIXED = { kmsKeys: 0, alarms: 0, polledQueues: 3 } as const;
