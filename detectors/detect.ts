/**
 * Runs rules over records and turns matches into alerts of the AlertWarden contract.
 * Synchronous and allocation-light on the path where nothing matches (nearly every record):
 * CloudTrail rules are indexed by eventName, so a record reaches only the rules that name it
 * plus the few that look at every event.
 */
import { AttributeSchema, type AlertInput, type AttributeInput } from '../core/alert.ts';
import { cloudTrailAttributes, type CloudTrailRecord } from './cloudtrail/record.ts';
import type { FlowLogRecord } from './flowlogs/format.ts';
import { flowLogAttributes, toFlowLogRecord } from './flowlogs/format.ts';
import type { FirstSeenKey, LogSource, Rule, RuleContext } from './rule.ts';

export interface Detection {
  ruleId: string;
  alert: AlertInput;
  /** Set for stateful rules: publish only if this value was never seen before (see first-seen.ts). */
  firstSeen?: FirstSeenKey;
}

const MAX_ATTRIBUTES = 100;
const MAX_RECORD_BYTES = 48 * 1024;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A key the alert contract accepts: control characters would be refused, so they become spaces. */
const safeKey = (key: string): string => {
  const clean = key.replace(CONTROL, ' ') || 'none';
  return Buffer.byteLength(clean) <= 1024 ? clean : clean.slice(0, 512);
};

/**
 * Keeps the attributes the contract accepts (one odd value must not lose the alert), once each.
 * A record field like `sourceIPAddress` can hold anything a caller sent.
 */
const validAttributes = (candidates: AttributeInput[]): AttributeInput[] => {
  const seen = new Set<string>();
  const out: AttributeInput[] = [];
  for (const a of candidates) {
    const id = `${a.type}\u0000${a.key}\u0000${a.value}`;
    if (seen.has(id) || !AttributeSchema.safeParse(a).success) continue;
    seen.add(id);
    out.push(a);
    if (out.length === MAX_ATTRIBUTES) break;
  }
  return out;
};

const recordForBody = (record: unknown, fallback: () => Record<string, unknown>): unknown => {
  const text = JSON.stringify(record);
  return text !== undefined && Buffer.byteLength(text) <= MAX_RECORD_BYTES ? record : { ...fallback(), truncated: true };
};

const alertOf = <R>(
  rule: Rule<R>,
  record: R,
  ctx: RuleContext,
  base: AttributeInput[],
  timestamp: string | undefined,
  body: unknown,
): Detection => {
  const summary = rule.summary?.(record, ctx);
  const description = (summary ? `${summary}. ${rule.description}` : rule.description).slice(0, 4096);
  const alert: AlertInput = {
    detector: rule.source,
    rule_id: rule.id,
    rule_name: rule.title,
    alert_key: safeKey(rule.alertKey(record, ctx)),
    description,
    ...(timestamp && ISO_TIME.test(timestamp) ? { timestamp } : {}),
    attributes: validAttributes([...(rule.attributes?.(record, ctx) ?? []), ...base]),
    // The rule's own severity as the source's hint, which the review policy reads (when.source_severity).
    source_severity: { level: rule.severity, raw: rule.severity },
    body: { severity: rule.severity, record: body },
  };
  const firstSeen = rule.firstSeen?.(record);
  return { ruleId: rule.id, alert, ...(firstSeen ? { firstSeen } : {}) };
};

export interface RecordDetector<R> {
  source: LogSource;
  detect(record: R): readonly Detection[];
}

export const createCloudTrailDetector = (rules: readonly Rule<CloudTrailRecord>[], ctx: RuleContext): RecordDetector<CloudTrailRecord> => {
  const always: Rule<CloudTrailRecord>[] = [];
  const byName = new Map<string, Rule<CloudTrailRecord>[]>();
  for (const rule of rules) {
    if (rule.source !== 'cloudtrail') continue;
    if (!rule.eventNames) always.push(rule);
    else for (const name of rule.eventNames) byName.set(name, [...(byName.get(name) ?? []), rule]);
  }
  const run = (list: readonly Rule<CloudTrailRecord>[], record: CloudTrailRecord, out: Detection[]) => {
    for (const rule of list) {
      if (!rule.match(record, ctx)) continue;
      const body = recordForBody(record, () => ({ eventID: record.eventID, eventName: record.eventName, eventSource: record.eventSource }));
      out.push(alertOf(rule, record, ctx, cloudTrailAttributes(record), record.eventTime, body));
    }
  };
  return {
    source: 'cloudtrail',
    detect(record) {
      const out: Detection[] = [];
      run(always, record, out);
      const named = byName.get(record.eventName);
      if (named) run(named, record, out);
      return out;
    },
  };
};

export const createFlowLogDetector = (rules: readonly Rule<FlowLogRecord>[], ctx: RuleContext): RecordDetector<FlowLogRecord> => {
  const own = rules.filter((r) => r.source === 'flowlogs');
  return {
    source: 'flowlogs',
    detect(record) {
      let out: Detection[] | undefined;
      for (const rule of own) {
        if (!rule.match(record, ctx)) continue;
        const start = Number(record.start);
        const timestamp = Number.isFinite(start) && start > 0 ? new Date(start * 1000).toISOString() : undefined;
        (out ??= []).push(alertOf(rule, record, ctx, flowLogAttributes(record, ctx.network), timestamp, toFlowLogRecord(record)));
      }
      return out ?? NONE;
    },
  };
};

const NONE: Detection[] = [];
