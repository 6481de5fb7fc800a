/**
 * Turning one queued message into an Alert. Tools publish either straight to SQS or through
 * the SNS topic (envelope with `Message` as a string); both are accepted. Everything that
 * cannot become a valid Alert raises InvalidAlertError listing each bad field.
 */
import type { z } from 'zod';
import { AlertSchema, type Alert } from '../alert.ts';
import { formatPath, InvalidAlertError, type FieldIssue } from '../errors.ts';

export const issuesOf = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidAlertError([{ path: '', message: `${what} is not valid JSON (${(error as Error).message})` }], { cause: error });
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
  const outer = parseJson(body, 'the message body');
  if (isSnsEnvelope(outer)) {
    if (typeof outer.Message !== 'string') {
      throw new InvalidAlertError([{ path: 'Message', message: 'the SNS envelope Message must be a string holding the alert JSON' }]);
    }
    return validateAlert(parseJson(outer.Message, 'the SNS Message'));
  }
  return validateAlert(outer);
};

/** The first bytes of a refused message, safe to show in a terminal or a table cell. */
export const excerptOf = (text: string, max = 512): string =>
  // eslint-disable-next-line no-control-regex
  text.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
