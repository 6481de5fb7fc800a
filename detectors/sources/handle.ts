/**
 * The detector sources' logic, one function per delivery path; functions/*-source handlers are
 * middy wiring around these. Each reads its records, runs the rules, drops already-seen values
 * of stateful rules and publishes the alerts. Errors other than unreadable input propagate, so
 * the invocation is retried and then dead-lettered with its input.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Detection, RecordDetector } from '../detect.ts';
import type { FlowLogRecord } from '../flowlogs/format.ts';
import { LogFormatError } from '../errors.ts';
import { keepFirstSeen } from '../first-seen.ts';
import { detectAll } from '../index.ts';
import { decodeLogsSubscription, FlowLogLineReader, readCloudTrail } from '../input.ts';
import { isCloudTrailRecord } from '../cloudtrail/record.ts';
import { lineChunks, type LineChunk } from './lines.ts';
import type { S3ObjectRef, SourceDeps, SourceOutcome } from './ports.ts';

export type { S3ObjectRef } from './ports.ts';

export type LogKind = 'cloudtrail' | 'flowlogs';

const publishDetections = async (detections: Detection[], deps: SourceDeps): Promise<number> => {
  const fresh = await keepFirstSeen(detections, deps.firstSeen);
  if (fresh.length) await deps.publisher.publish(fresh.map((d) => d.alert));
  return fresh.length;
};

/** EventBridge rule on CloudTrail management events: `detail` is the CloudTrail record. */
export const handleCloudTrailEvent = async (event: unknown, deps: SourceDeps): Promise<SourceOutcome> => {
  const detail = (event as { detail?: unknown })?.detail;
  if (!isCloudTrailRecord(detail)) {
    deps.logger.warn('EventBridge event without a CloudTrail record in detail; skipped', { detailType: String((event as Record<string, unknown>)?.['detail-type']) });
    return { records: 0, alerts: 0, problems: ['detail: not a CloudTrail record'] };
  }
  const alerts = await publishDetections([...deps.detectors.cloudtrail.detect(detail)], deps);
  return { records: 1, alerts, problems: [] };
};

/**
 * A CloudWatch Logs subscription delivery (`awslogs.data`: gzip + base64). Control messages,
 * sent when the subscription is created, carry no records.
 */
export const handleLogsSubscription = async (event: unknown, kind: LogKind, deps: SourceDeps): Promise<SourceOutcome> => {
  let payload;
  try {
    payload = decodeLogsSubscription((event as { awslogs?: { data?: unknown } })?.awslogs?.data);
  } catch (error) {
    // Retrying cannot fix a payload that does not decode: log it and let the invocation succeed.
    if (error instanceof LogFormatError) {
      deps.logger.error('unreadable CloudWatch Logs payload', { reason: error.message });
      return { records: 0, alerts: 0, problems: [error.message] };
    }
    throw error;
  }
  if (payload.messageType !== 'DATA_MESSAGE') return { records: 0, alerts: 0, problems: [] };
  const where = `${payload.logGroup ?? 'log group'}/${payload.logStream ?? 'stream'}`;
  if (kind === 'cloudtrail') {
    const read = readCloudTrail(payload.logEvents.map((e) => e.message).join('\n'), where);
    const alerts = await publishDetections(detectAll(deps.detectors.cloudtrail, read.records), deps);
    return { records: read.records.length, alerts, problems: read.problems };
  }
  const reader = new FlowLogLineReader(where, deps.detectors.settings.flowLogFormat);
  const detections: Detection[] = [];
  for (const e of payload.logEvents) {
    const record = reader.read(e.message);
    if (record) detections.push(...deps.detectors.flowlogs.detect(record));
  }
  const alerts = await publishDetections(detections, deps);
  return { records: reader.records, alerts, problems: reader.problems };
};

/**
 * The objects an SQS message announces: an S3 event notification (straight or inside an SNS
 * envelope), or CloudTrail's own SNS delivery notice (`s3Bucket`, `s3ObjectKey[]`). S3's test
 * event and CloudTrail digest files announce nothing to read.
 */
export const objectsIn = (body: string): S3ObjectRef[] => {
  let message: unknown = JSON.parse(body);
  const m = message as Record<string, unknown>;
  if (m.Type === 'Notification' && typeof m.Message === 'string') message = JSON.parse(m.Message);
  const v = message as Record<string, unknown>;
  if (typeof v.s3Bucket === 'string' && Array.isArray(v.s3ObjectKey)) {
    return v.s3ObjectKey.filter((k): k is string => typeof k === 'string').map((key) => ({ bucket: v.s3Bucket as string, key }));
  }
  const records = Array.isArray(v.Records) ? v.Records : [];
  return records
    .map((r: S3EventRecord): S3ObjectRef => {
      const version = versionOf(r.s3?.object ?? {});
      return {
        bucket: r.s3?.bucket?.name ?? '',
        // S3 notifications URL-encode the key, with + for spaces.
        key: decodeURIComponent((r.s3?.object?.key ?? '').replace(/\+/g, ' ')),
        ...(version ? { version } : {}),
      };
    })
    .filter((o) => o.bucket && o.key && !o.key.includes('/CloudTrail-Digest/'));
};

type S3EventRecord = { s3?: { bucket?: { name?: string }; object?: { key?: string; versionId?: unknown; eTag?: unknown; sequencer?: unknown } } };

/**
 * What tells this write of the key from another: the version id in a versioned bucket; else
 * the ETag and the sequencer (a new write of the key, even of the same bytes, has a greater one).
 */
const versionOf = (object: NonNullable<NonNullable<S3EventRecord['s3']>['object']>): string | undefined => {
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  if (text(object.versionId)) return `v:${text(object.versionId)}`;
  return object.eTag || object.sequencer ? `e:${text(object.eTag)}:${text(object.sequencer)}` : undefined;
};

/** The object's bytes as a stream of text, decompressed on the way when the key says gzip or the bytes do. */
/**
 * Output chunk of the gunzip stream. zlib's default (16 KiB) made the stream machinery cost
 * more than inflating: a 115 MB flow-log file took ~400 ms CPU to gunzip as a stream against
 * ~150 ms with 256 KiB chunks.
 */
export const GUNZIP_CHUNK_BYTES = 256 * 1024;

const openText = async (ref: S3ObjectRef, deps: SourceDeps): Promise<Readable> => {
  // The command's module is the client's own: imported with it on first use, not at cold start.
  const [s3, { GetObjectCommand }] = await Promise.all([deps.s3(), import('@aws-sdk/client-s3')]);
  const response = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  const body = response.Body as Readable;
  const gzip = ref.key.endsWith('.gz') || response.ContentEncoding === 'gzip';
  return gzip ? body.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES })) : body;
};

/** One batch of flow-log lines through the reader and the rules, synchronously; what they raise is added to `out`. */
/** The flow-log lines of one chunk through the rules; what they find is appended to `out`. */
export const detectFlowLogChunk = (chunk: LineChunk, reader: FlowLogLineReader, detector: RecordDetector<FlowLogRecord>, out: Detection[]): void => {
  reader.readLines(
    chunk.text,
    (record) => {
      const found = detector.detect(record);
      if (found.length) out.push(...found);
    },
    chunk.start,
    chunk.end,
  );
};

/** Alerts are published every this many, so a large file neither holds them all in memory nor loses them all on a late failure. */
const PUBLISH_EVERY = 500;

export const handleLogFile = async (ref: S3ObjectRef, kind: LogKind, deps: SourceDeps): Promise<SourceOutcome> => {
  const where = `s3://${ref.bucket}/${ref.key}`;
  const text = await openText(ref, deps);
  if (kind === 'cloudtrail') {
    // A CloudTrail file is one JSON document: decompressed as it streams, parsed once complete.
    const chunks: Buffer[] = [];
    for await (const chunk of text) chunks.push(chunk as Buffer);
    const read = readCloudTrail(Buffer.concat(chunks).toString('utf8'), where);
    const alerts = await publishDetections(detectAll(deps.detectors.cloudtrail, read.records), deps);
    return { records: read.records.length, alerts, problems: read.problems };
  }
  // Flow-log files are lines: read, parsed and matched as they stream, whatever their size.
  const reader = new FlowLogLineReader(where, deps.detectors.settings.flowLogFormat);
  let pending: Detection[] = [];
  let alerts = 0;
  for await (const chunk of lineChunks(text)) {
    detectFlowLogChunk(chunk, reader, deps.detectors.flowlogs, pending);
    if (pending.length >= PUBLISH_EVERY) {
      alerts += await publishDetections(pending, deps);
      pending = [];
    }
  }
  alerts += await publishDetections(pending, deps);
  return { records: reader.records, alerts, problems: reader.problems };
};

export interface FileNotificationOutcome extends SourceOutcome {
  ref: S3ObjectRef;
  /** The object was read already (a repeated notification): nothing was downloaded or published. */
  repeated: boolean;
}

/**
 * One SQS message of the file sources (CloudTrail and flow-log files alike): every object it
 * announces is claimed, read and marked read, so a repeated notification costs one
 * conditional write. A read that fails gives its claim back and rethrows: the message is
 * retried, then dead-lettered.
 */
export const handleLogFileNotification = async (body: string, kind: LogKind, deps: SourceDeps, leaseMs: number): Promise<FileNotificationOutcome[]> => {
  const outcomes: FileNotificationOutcome[] = [];
  for (const ref of objectsIn(body)) {
    const where = { bucket: ref.bucket, key: ref.key, version: ref.version };
    const claim = await deps.readObjects.claim(ref, leaseMs);
    if (!claim) {
      deps.logger.info('log file already read or being read: repeated notification skipped', where);
      outcomes.push({ ref, repeated: true, records: 0, alerts: 0, problems: [] });
      continue;
    }
    let outcome: SourceOutcome;
    try {
      outcome = await handleLogFile(ref, kind, deps);
    } catch (error) {
      await deps.readObjects.release(claim).catch((releaseError: unknown) =>
        // The claim then lapses with its lease, and the retry reads the file after that.
        deps.logger.warn('could not give up the claim on a log file', { ...where, reason: String(releaseError) }),
      );
      throw error;
    }
    await deps.readObjects.complete(claim);
    deps.logger.info('log file read', { ...where, records: outcome.records, alerts: outcome.alerts, problems: outcome.problems.slice(0, 10) });
    outcomes.push({ ref, repeated: false, ...outcome });
  }
  return outcomes;
};
