/**
 * Turning one queued message into an Alert. Tools publish either straight to SQS or through
 * the SNS topic (envelope with `Message` as a string); both are accepted. Everything that
 * cannot become a valid Alert raises InvalidAlertError listing each bad field.
 */
import type { z } from 'zod';
import { ALERT_LIMITS, AlertSchema, AttributeSchema, type Alert, type UnverifiedAttribute } from '../alert.ts';
import { formatPath, InvalidAlertError, type FieldIssue } from '../errors.ts';
import { warmParse } from '../zod-parse.ts';

/**
 * SNS caps a message at 256 KiB, so a bigger body did not come through the alert topic (it
 * was sent to the queue some other way): it is refused before it is parsed, so that no
 * amount of input can make ingest slow.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/**
 * Nesting past this is refused before any recursive code (zod, JSON.stringify, canonical
 * hashing) walks it: 100,000 nested arrays fit in 200 KB and overflow the stack, which
 * would look like a transient failure and be retried into the dead-letter queue. Real
 * events (CloudTrail, GuardDuty) nest fewer than 10 levels.
 */
export const MAX_JSON_DEPTH = 32;
/** A rejection lists this many issues at most: it must stay readable, and fit one log line and one DynamoDB item. */
export const MAX_ISSUES = 20;

// Control, bidi and zero-width characters, shown as \uXXXX wherever refused input is quoted.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const escapeUnsafe = (text: string) => text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The first bytes of a refused message, safe to show in a terminal or a table cell. */
export const excerptOf = (text: string, max = 512): string => escapeUnsafe(text.slice(0, max));

/**
 * Reasons quote the input (an unknown key's name, the parser's view of bad JSON), and end up
 * in terminals and logs: they get the same escaping as excerpts.
 */
export const issuesOf = (error: z.ZodError): FieldIssue[] => {
  const issues = error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => ({ path: escapeUnsafe(formatPath(issue.path)), message: escapeUnsafe(issue.message) }));
  const more = error.issues.length - issues.length;
  return more > 0 ? [...issues, { path: '', message: `… and ${more} more issues` }] : issues;
};

/** Depth of a parsed JSON value, without recursion; the issue names the top-level field that nests too deep. */
const checkDepth = (value: unknown): void => {
  const stack: { node: unknown; depth: number; field: PropertyKey | undefined }[] = [{ node: value, depth: 0, field: undefined }];
  while (stack.length > 0) {
    const { node, depth, field } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new InvalidAlertError([
        { path: field === undefined ? '' : escapeUnsafe(formatPath([field])), message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    for (const [key, child] of Object.entries(node)) {
      stack.push({ node: child, depth: depth + 1, field: field ?? (Array.isArray(node) ? Number(key) : key) });
    }
  }
};

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidAlertError([{ path: '', message: `${what} is not valid JSON (${escapeUnsafe((error as Error).message)})` }], { cause: error });
  }
};

const isSnsEnvelope = (value: unknown): value is { Type: string; Message: unknown; MessageId?: string } =>
  typeof value === 'object' && value !== null && (value as { Type?: unknown }).Type === 'Notification' && 'Message' in value;

const asText = (value: unknown, max: number): string =>
  (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(0, max);

/** The attribute as a note: its own fields as far as they are text, and why it was not trusted. */
const unverifiedOf = (candidate: unknown, error: z.ZodError): UnverifiedAttribute => {
  const fields = typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate) ? (candidate as Record<string, unknown>) : { value: candidate };
  // "value is not an IPv4 address" already names its field; a path is added where the message does not.
  const reason = issuesOf(error)
    .map((i) => (i.path && !i.message.startsWith(`${i.path} `) ? `${i.path}: ${i.message}` : i.message))
    .join('; ')
    // Short: a hundred notes must not make the stored alert outgrow a DynamoDB item.
    .slice(0, 300);
  return {
    type: fields.type === undefined ? '' : asText(fields.type, 64),
    key: fields.key === undefined ? '' : asText(fields.key, 256),
    value: fields.value === undefined ? '' : asText(fields.value, ALERT_LIMITS.attributeValueChars),
    reason,
  };
};

/**
 * Splits attributes into those that pass their checks and notes for those that do not: one bad
 * value must not cost the alert. The count limit still applies to what was sent.
 */
const sortAttributes = (candidate: Record<string, unknown>): Record<string, unknown> => {
  const { attributes } = candidate;
  if (!Array.isArray(attributes) || attributes.length > ALERT_LIMITS.attributes) return candidate;
  const verified: unknown[] = [];
  const unverified: UnverifiedAttribute[] = [];
  for (const attribute of attributes) {
    const parsed = warmParse(AttributeSchema, attribute);
    if (parsed.success) verified.push(attribute);
    else unverified.push(unverifiedOf(attribute, parsed.error));
  }
  if (unverified.length === 0) return candidate;
  const earlier = Array.isArray(candidate.unverified) ? candidate.unverified : [];
  return { ...candidate, attributes: verified, unverified: [...earlier, ...unverified] };
};

/**
 * Validates one alert. Only what cannot identify an alert (detector, rule id, key), breaks a
 * size limit or is not the contract's shape is refused; attributes that fail their checks are
 * kept under `unverified` with the reason.
 */
export const validateAlert = (candidate: unknown): Alert => {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new InvalidAlertError([{ path: '', message: 'an alert must be a JSON object' }]);
  }
  // Parsed whole first: an alert whose attributes all pass (nearly every one) is parsed once.
  // Only an alert with an issue under `attributes` is checked attribute by attribute and parsed
  // again with the failing ones set aside, which is what it would have become anyway. (The
  // attribute pre-pass on every alert was a fifth of ingest's validation time.)
  const whole = warmParse(AlertSchema, candidate);
  if (whole.success) return whole.data;
  if (!whole.error.issues.some((issue) => issue.path[0] === 'attributes')) throw new InvalidAlertError(issuesOf(whole.error));
  const parsed = warmParse(AlertSchema, sortAttributes(candidate as Record<string, unknown>));
  if (!parsed.success) throw new InvalidAlertError(issuesOf(parsed.error));
  return parsed.data;
};

/** What a queued message carries once the transport is peeled off: the publisher's own JSON, and its text. */
export interface MessageDocument {
  document: unknown;
  /** The publisher's text (the SNS Message, or the whole body): what a rejection quotes. */
  text: string;
}

/**
 * Parses an SQS message body, unwrapping an SNS envelope, with the size and nesting limits
 * checked before anything walks the document.
 */
export const documentFromMessageBody = (body: string): MessageDocument => {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new InvalidAlertError([{ path: '', message: `the message body is ${bytes} bytes; at most ${MAX_MESSAGE_BYTES} are accepted` }]);
  }
  const outer = parseJson(body, 'the message body');
  if (isSnsEnvelope(outer)) {
    if (typeof outer.Message !== 'string') {
      throw new InvalidAlertError([{ path: 'Message', message: 'the SNS envelope Message must be a string holding the alert JSON' }]);
    }
    const inner = parseJson(outer.Message, 'the SNS Message');
    checkDepth(inner);
    return { document: inner, text: outer.Message };
  }
  checkDepth(outer);
  return { document: outer, text: body };
};

/** The text a publisher sent: the SNS Message when the body is an envelope around a string, else the body. */
export const publisherTextOf = (body: string): string => {
  try {
    const outer: unknown = JSON.parse(body);
    return isSnsEnvelope(outer) && typeof outer.Message === 'string' ? outer.Message : body;
  } catch {
    return body;
  }
};

/** Parses an SQS message body holding one native alert (an SNS envelope around it, or the raw alert). */
export const alertFromMessageBody = (body: string): Alert => validateAlert(documentFromMessageBody(body).document);
