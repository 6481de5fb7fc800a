/**
 * Intake of what security tools really send. `alertsFromDocument` takes one parsed input
 * document (a native alert, a GuardDuty finding, an ASFF finding or list of findings, a
 * deepalert alert, any of these in an EventBridge envelope) and returns the validated alerts
 * and, per item that could not become one, the reason naming fields of the user's own
 * document. Used by ingest (SQS/SNS), `alertwarden run` and `alertwarden detect`.
 *
 * @example
 * const { alerts, rejections } = alertsFromDocument(JSON.parse(text));
 * const { alerts } = alertsFromDocument(finding, { source: 'guardduty' }); // refuse anything else
 */
import type { Alert } from '../core/alert.ts';
import { InvalidAlertError, type FieldIssue } from '../core/errors.ts';
import { documentFromMessageBody, excerptOf, MAX_MESSAGE_BYTES, publisherTextOf, validateAlert } from '../core/pipeline/intake.ts';
import { deepAlertSource } from './deepalert/index.ts';
import { GUARDDUTY_FINDING, isEventBridgeEvent, SECURITY_HUB_FINDINGS } from './eventbridge/index.ts';
import { isObject, listAt, pathOf, type Json } from './fields.ts';
import { guardDutySource } from './guardduty/index.ts';
import { mapImportedFindings, securityHubSource } from './securityhub/index.ts';
import { type AlertCandidate, type MappedItem, type SourceAdapter, type SourceName } from './source.ts';

export { SOURCE_NAMES, type SourceName, type SourceAdapter, type MappedItem } from './source.ts';

/** Tried in this order; a native alert is whatever none of them claims. */
export const SOURCES: readonly SourceAdapter[] = [guardDutySource, securityHubSource, deepAlertSource];

const nativeAlert: SourceAdapter = {
  name: 'alert',
  describes: 'an AlertWarden alert',
  recognises: () => true,
  // Validation judges it, as it would any published alert.
  map: (document, path) => [{ path, alert: document as AlertCandidate }],
};

const adapterNamed = (name: SourceName): SourceAdapter => (name === 'alert' ? nativeAlert : SOURCES.find((s) => s.name === name)!);

export interface SourcedAlert {
  alert: Alert;
  source: SourceName;
  /** Where the alert came from in the document, `''` for the document itself. */
  path: string;
}

export interface SourceRejection {
  /** The item refused, `''` for the whole document. */
  path: string;
  issues: FieldIssue[];
  /** One line: every issue with its path. */
  reason: string;
  /** The refused item's own JSON, escaped and cut, for a human to recognise it. */
  excerpt: string;
}

export interface SourceOutcome {
  alerts: SourcedAlert[];
  rejections: SourceRejection[];
  /** Items the source itself marks as over (archived, resolved): not alerts, not errors. */
  skipped: { path: string; reason: string }[];
}

export interface SourceOptions {
  /** Accept only this kind of input (after removing an EventBridge envelope); anything else is refused. */
  source?: SourceName;
}

/** The paths zod reports are relative to the item; the user needs them relative to the document. */
const prefixed = (issues: FieldIssue[], path: string): FieldIssue[] =>
  path ? issues.map((issue) => ({ ...issue, path: pathOf(path) + (issue.path ? (issue.path.startsWith('[') ? issue.path : `.${issue.path}`) : '') })) : issues;

const asMapped = (issues: FieldIssue[], path: string, source: SourceName): FieldIssue[] =>
  issues.map((issue) => ({ path, message: `the alert mapped from this ${source} item is invalid: ${issue.path ? `${issue.path}: ` : ''}${issue.message}` }));

const rejectionOf = (path: string, issues: FieldIssue[], item: unknown): SourceRejection => ({
  path,
  issues,
  reason: `invalid alert: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
  excerpt: excerptOf(JSON.stringify(item) ?? String(item)),
});

const itemAt = (document: unknown, path: string): unknown => {
  let node = document;
  for (const [, key, index] of path.matchAll(/\.?([^.[\]]+)|\[(\d+)\]/g)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key ?? Number(index)];
  }
  return node;
};

const detect = (body: Json): SourceAdapter => SOURCES.find((s) => s.recognises(body)) ?? nativeAlert;

const notA = (source: SourceName, found: string): FieldIssue => ({
  path: '',
  message: `expected ${adapterNamed(source).describes} (--source ${source}), found ${found}`,
});

/** The items of one document, before validation: which adapter, and what it made of each. */
const mapDocument = (document: Json, options: SourceOptions): { source: SourceName; items: MappedItem[] } | { issues: FieldIssue[] } => {
  if (isEventBridgeEvent(document)) {
    const detailType = document['detail-type'];
    const kind: SourceName | undefined =
      detailType === GUARDDUTY_FINDING ? 'guardduty' : SECURITY_HUB_FINDINGS.includes(detailType) ? 'securityhub' : undefined;
    if (kind && options.source && options.source !== kind) return { issues: [notA(options.source, `an EventBridge ${JSON.stringify(detailType)} event`)] };
    const { detail } = document;
    if (kind === 'securityhub') return { source: kind, items: mapImportedFindings(detail, 'detail') };
    // EventBridge sends one finding per event as the detail; some exporters batch them in detail.findings[].
    if (kind === 'guardduty' && Array.isArray(detail.findings)) {
      return { source: kind, items: listAt(detail.findings).flatMap((f, i) => guardDutySource.map(isObject(f) ? f : {}, pathOf('detail.findings', i))) };
    }
    if (kind === 'guardduty') return { source: kind, items: guardDutySource.map(detail, 'detail') };
    const adapter = detect(detail);
    if (adapter === nativeAlert && !('detector' in detail)) {
      const listed = [GUARDDUTY_FINDING, ...SECURITY_HUB_FINDINGS].map((t) => JSON.stringify(t)).join(', ');
      return {
        issues: [
          {
            path: 'detail-type',
            message: `an EventBridge event of detail-type ${JSON.stringify(detailType)} from ${JSON.stringify(document.source)} is not one AlertWarden reads (${listed}, or an alert as the detail)`,
          },
        ],
      };
    }
    if (options.source && adapter.name !== options.source) return { issues: [notA(options.source, `${adapter.describes} in an EventBridge event`)] };
    return { source: adapter.name, items: adapter.map(detail, 'detail') };
  }
  const adapter = detect(document);
  if (options.source && adapter.name !== options.source) return { issues: [notA(options.source, adapter.describes)] };
  return { source: adapter.name, items: adapter.map(document, '') };
};

export const alertsFromDocument = (document: unknown, options: SourceOptions = {}): SourceOutcome => {
  const outcome: SourceOutcome = { alerts: [], rejections: [], skipped: [] };
  if (!isObject(document)) {
    outcome.rejections.push(rejectionOf('', [{ path: '', message: 'an alert must be a JSON object' }], document));
    return outcome;
  }
  const mapped = mapDocument(document, options);
  if ('issues' in mapped) {
    outcome.rejections.push(rejectionOf('', mapped.issues, document));
    return outcome;
  }
  for (const item of mapped.items) {
    if ('skipped' in item) {
      outcome.skipped.push({ path: item.path, reason: item.skipped });
    } else if ('issues' in item) {
      outcome.rejections.push(rejectionOf(item.path, item.issues, itemAt(document, item.path)));
    } else {
      try {
        outcome.alerts.push({ alert: validateAlert(item.alert), source: mapped.source, path: item.path });
      } catch (error) {
        if (!(error instanceof InvalidAlertError)) throw error;
        // A native (or deepalert) alert's fields are the user's own; a finding's are not, so its issues say they are about the mapping.
        const issues = mapped.source === 'alert' || mapped.source === 'deepalert' ? prefixed(error.issues, item.path) : asMapped(error.issues, item.path, mapped.source);
        outcome.rejections.push(rejectionOf(item.path, issues, itemAt(document, item.path)));
      }
    }
  }
  return outcome;
};

/**
 * One SQS message body (an SNS envelope or the raw JSON) to alerts. A message that is not JSON,
 * too big or too deep is one rejection of the whole; otherwise as alertsFromDocument, with the
 * publisher's own text for a whole-message rejection's excerpt.
 */
export const alertsFromMessageBody = (body: string, options: SourceOptions = {}): SourceOutcome => {
  let parsed;
  try {
    parsed = documentFromMessageBody(body);
  } catch (error) {
    if (!(error instanceof InvalidAlertError)) throw error;
    // Too big to parse again: quote the start of the body as it came.
    const text = Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES ? body : publisherTextOf(body);
    return { alerts: [], rejections: [{ path: '', issues: error.issues, reason: error.message, excerpt: excerptOf(text) }], skipped: [] };
  }
  const outcome = alertsFromDocument(parsed.document, options);
  for (const rejection of outcome.rejections) if (rejection.path === '') rejection.excerpt = excerptOf(parsed.text);
  return outcome;
};

/**
 * Which finding source a document is, if any: what `alertwarden detect` needs to tell a
 * GuardDuty or Security Hub file from a CloudTrail one without being told.
 */
export const findingSourceOf = (document: unknown): 'guardduty' | 'securityhub' | undefined => {
  if (!isObject(document)) return undefined;
  if (isEventBridgeEvent(document)) {
    if (document['detail-type'] === GUARDDUTY_FINDING) return 'guardduty';
    return SECURITY_HUB_FINDINGS.includes(document['detail-type']) ? 'securityhub' : undefined;
  }
  if (guardDutySource.recognises(document)) return 'guardduty';
  return securityHubSource.recognises(document) ? 'securityhub' : undefined;
};
