/**
 * Turning one queued message into an Alert. Tools publish either straight to SQS or through
 * the SNS topic (envelope with `Message` as a string); both are accepted. Everything that
 * cannot become a valid Alert raises InvalidAlertError listing each bad field.
 */
import type { z } from 'zod';
import { AlertSchema, type Alert } from '../alert.ts';
import { formatPath, InvalidAlertError, type FieldIssue } from '../errors.ts';

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

export const validateAlert = (candidate: unknown): Alert => {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new InvalidAlertError([{ path: '', message: 'an alert must be a JSON object' }]);
  }
  const parsed = AlertSchema.safeParse(candidate);
  if (!parsed.success) throw new InvalidAlertError(issuesOf(parsed.error));
  return parsed.data;
};

/** Parses an SQS message body: an SNS envelope around an alert, or a raw alert. */
export const alertFromMessageBody = (body: string): Alert => {
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
    return validateAlert(inner);
  }
  checkDepth(outer);
  return validateAlert(outer);
};
