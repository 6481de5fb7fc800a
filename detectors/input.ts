/**
 * Reads logs in the shapes AWS delivers them and people save them: a CloudTrail file
 * (`{"Records":[…]}`), a JSON array or JSONL of records, an EventBridge event (`detail` is the
 * record), a CloudWatch Logs subscription payload (`{"awslogs":{"data":…}}`, gzip + base64,
 * control messages skipped) or its decoded form, and flow-log text with or without its header
 * line. Gzip is recognised by its magic bytes, not the file name.
 */
import { gunzipSync } from 'node:zlib';
import { isCloudTrailRecord, type CloudTrailRecord } from './cloudtrail/record.ts';
import { LogFormatError } from './errors.ts';
import { FlowLogLine, isHeaderLine, toFlowLogRecord, type FlowLogRecord } from './flowlogs/format.ts';

export const isGzip = (data: Uint8Array): boolean => data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;

export const textOf = (data: Uint8Array): string => (isGzip(data) ? gunzipSync(data) : Buffer.from(data)).toString('utf8');

/** A CloudWatch Logs subscription payload, decoded. */
export interface LogsSubscriptionPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner?: string;
  logGroup?: string;
  logStream?: string;
  logEvents: { id: string; timestamp: number; message: string }[];
}

/** `event.awslogs.data` -> the payload; throws LogFormatError naming the field. */
export const decodeLogsSubscription = (data: unknown, where = 'awslogs.data'): LogsSubscriptionPayload => {
  if (typeof data !== 'string') throw new LogFormatError(where, 'must be a base64 string');
  let payload: unknown;
  try {
    payload = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
  } catch (error) {
    throw new LogFormatError(where, 'is not gzip-compressed JSON in base64', { cause: error });
  }
  if (!isLogsPayload(payload)) throw new LogFormatError(where, 'is not a CloudWatch Logs subscription payload (messageType, logEvents)');
  return payload;
};

const isLogsPayload = (v: unknown): v is LogsSubscriptionPayload =>
  typeof v === 'object' && v !== null && typeof (v as LogsSubscriptionPayload).messageType === 'string' && Array.isArray((v as LogsSubscriptionPayload).logEvents);

export interface ReadResult<R> {
  records: R[];
  /** Input that is not a record, each naming where it is and why; the rest is still read. */
  problems: string[];
}

/** Whatever wraps CloudTrail records, down to the records. */
const collectCloudTrail = (value: unknown, where: string, out: ReadResult<CloudTrailRecord>): void => {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectCloudTrail(v, `${where}[${i}]`, out));
    return;
  }
  if (isCloudTrailRecord(value)) {
    out.records.push(value);
    return;
  }
  if (typeof value !== 'object' || value === null) {
    out.problems.push(`${where}: not a CloudTrail record (a ${value === null ? 'null' : typeof value})`);
    return;
  }
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.Records)) return collectCloudTrail(v.Records, `${where}.Records`, out);
  if (typeof v['detail-type'] === 'string' && 'detail' in v) return collectCloudTrail(v.detail, `${where}.detail`, out);
  if (typeof v.awslogs === 'object' && v.awslogs !== null) {
    try {
      return collectCloudTrail(decodeLogsSubscription((v.awslogs as { data?: unknown }).data, `${where}.awslogs.data`), where, out);
    } catch (error) {
      out.problems.push((error as Error).message);
      return;
    }
  }
  if (isLogsPayload(v)) {
    if (v.messageType !== 'DATA_MESSAGE') return; // CONTROL_MESSAGE: CloudWatch checking the destination is reachable
    v.logEvents.forEach((event, i) => {
      const at = `${where}.logEvents[${i}].message`;
      try {
        collectCloudTrail(JSON.parse(event.message), at, out);
      } catch {
        out.problems.push(`${at}: not JSON`);
      }
    });
    return;
  }
  out.problems.push(`${where}: not a CloudTrail record (no eventName and eventSource)`);
};

/** Records from one input's text: one JSON document, or JSONL (one document per line). */
export const readCloudTrail = (text: string, where: string): ReadResult<CloudTrailRecord> => {
  const out: ReadResult<CloudTrailRecord> = { records: [], problems: [] };
  const trimmed = text.trim();
  if (!trimmed) return out;
  let whole: unknown;
  let parsedWhole = false;
  try {
    whole = JSON.parse(trimmed);
    parsedWhole = true;
  } catch {
    // not one document: JSONL
  }
  if (parsedWhole) {
    collectCloudTrail(whole, where, out);
    return out;
  }
  trimmed.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.problems.push(`${where}:${i + 1}: not JSON`);
      return;
    }
    collectCloudTrail(value, `${where}:${i + 1}`, out);
  });
  return out;
};

/**
 * Flow-log lines to records. A header line (S3 files) sets the format for the lines after it;
 * otherwise `format` (CloudWatch Logs lines have no header). A CloudWatch Logs payload in JSON
 * is unwrapped to its messages first.
 */
export const readFlowLogs = (text: string, where: string, format: readonly string[]): ReadResult<FlowLogRecord> => {
  const out: ReadResult<FlowLogRecord> = { records: [], problems: [] };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let lines: string[] = [];
    try {
      const value: unknown = JSON.parse(trimmed);
      for (const [i, item] of (Array.isArray(value) ? value : [value]).entries()) {
        const v = item as Record<string, unknown>;
        const payload = typeof v?.awslogs === 'object' && v.awslogs !== null ? decodeLogsSubscription((v.awslogs as { data?: unknown }).data, `${where}[${i}].awslogs.data`) : v;
        if (!isLogsPayload(payload)) throw new LogFormatError(`${where}[${i}]`, 'is JSON but not a CloudWatch Logs subscription payload');
        if (payload.messageType === 'DATA_MESSAGE') lines = lines.concat(payload.logEvents.map((e) => e.message));
      }
    } catch (error) {
      out.problems.push(error instanceof LogFormatError ? error.message : `${where}: not JSON`);
      return out;
    }
    return readFlowLogLines(lines, where, format, out);
  }
  return readFlowLogLines(text.split(/\r?\n/), where, format, out);
};

/**
 * Reads flow-log lines one at a time, as a stream delivers them: a header line switches the
 * format for the lines after it; a line that does not fit is counted as a problem (the first
 * 100 kept, with their line numbers). The record `read` returns is reused for the next line:
 * run the rules on it there and then, or keep a copy (toFlowLogRecord).
 */
export class FlowLogLineReader {
  records = 0;
  readonly problems: string[] = [];
  private fields: readonly string[];
  private current: FlowLogLine;
  private line = 0;
  constructor(
    private readonly where: string,
    format: readonly string[],
  ) {
    this.fields = format;
    this.current = new FlowLogLine(format);
  }

  read(raw: string): FlowLogRecord | undefined {
    return this.readRange(raw, 0, raw.length);
  }

  /** read() for the line text[start, end) of a larger text, without cutting it out. */
  readRange(text: string, start: number, end: number): FlowLogRecord | undefined {
    this.line++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end === start) return undefined;
    // A header is only looked for where a field name could start (a-z); data rarely starts so.
    const c = text.charCodeAt(start);
    if (c >= 97 && c <= 122 && isHeaderLine(text.slice(start, end))) {
      this.fields = text.slice(start, end).trim().split(/\s+/);
      this.current = new FlowLogLine(this.fields, `${this.where}:${this.line}`);
      return undefined;
    }
    if (this.current.loadRange(text, start, end)) {
      this.records++;
      return this.current;
    }
    if (this.problems.length < 100) this.problems.push(`${this.where}:${this.line}: ${text.slice(start, end).split(' ').length} fields where the format has ${this.fields.length}`);
    return undefined;
  }

  /**
   * Every line of text[start, end) (lines separated by `\n`, as lineChunks hands them over)
   * through `each`, each read where it lies: no string per line.
   */
  readLines(text: string, each: (record: FlowLogRecord) => void, start = 0, end = text.length): void {
    while (start <= end) {
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      const record = this.readRange(text, start, lineEnd);
      if (record !== undefined) each(record);
      start = lineEnd + 1;
    }
  }
}

export const readFlowLogLines = (
  lines: Iterable<string>,
  where: string,
  format: readonly string[],
  out: ReadResult<FlowLogRecord> = { records: [], problems: [] },
): ReadResult<FlowLogRecord> => {
  const reader = new FlowLogLineReader(where, format);
  for (const line of lines) {
    const record = reader.read(line);
    if (record) out.records.push(toFlowLogRecord(record));
  }
  out.problems.push(...reader.problems);
  return out;
};
