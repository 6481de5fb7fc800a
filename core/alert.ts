/**
 * The Alert contract: what a detector or any other security tool publishes to the
 * AlertWarden SNS topic. The zod schema is the single source of truth; the published
 * JSON Schema (`core/alert.schema.json`) is generated from it (`npm run schema`).
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { invisibleCharacterIn, normalizeIdentifier } from './identifiers.ts';

/** Limits inherited from deepalert's contract, so tools written for it fit ours. */
export const ALERT_LIMITS = {
  idBytes: 1024,
  descriptionChars: 4096,
  attributeValueChars: 2048,
  attributes: 100,
  contexts: 8,
  bodyBytes: 65536,
} as const;

export const ATTRIBUTE_TYPES = [
  'ipaddr',
  'domain',
  'url',
  'username',
  'filehash',
  'aws_instance_id',
  'aws_access_key_id',
  'aws_account_id',
  'aws_arn',
  // What detectors over AWS logs report beside the entities, so a responder can find the record and act.
  'aws_region',
  'aws_eni_id',
  'event_id',
  'user_agent',
  'port',
] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** Where an attribute stands in the event: the attacker's IP is `remote`, our host `local`. */
export const ATTRIBUTE_CONTEXTS = [
  'remote',
  'local',
  'subject',
  'object',
  'client',
  'server',
  'file',
  'additional',
] as const;
export type AttributeContext = (typeof ATTRIBUTE_CONTEXTS)[number];

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

// Identifiers are hashed into the alert id with NUL as separator, so a NUL inside one would let
// ("a\u0000b", "c") collide with ("a", "b\u0000c") and join someone else's report; no
// legitimate detector, rule or key contains a control character.
// Invisible characters are refused and the rest NFKC-normalised (core/identifiers.ts): the
// policy and the aggregation must see what the analyst reads.
const refuseInvisible = (what: string) => (s: string, ctx: z.RefinementCtx) => {
  const why = invisibleCharacterIn(s);
  if (why) ctx.addIssue({ code: 'custom', message: `${what} ${why}` });
};
const identifier = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a string`) })
    .min(1, `${what} must not be empty`)
    .regex(/^[^\u0000-\u001f\u007f]*$/, `${what} must not contain control characters`)
    .superRefine(refuseInvisible(what))
    .transform(normalizeIdentifier)
    .refine((s) => byteLength(s) <= ALERT_LIMITS.idBytes, `${what} must be at most ${ALERT_LIMITS.idBytes} bytes`);

/** Format checks per type: a value that cannot be what its type says is rejected at the edge. */
const VALUE_CHECKS: Record<AttributeType, { test: (v: string) => boolean; expected: string }> = {
  ipaddr: { test: (v) => isIP(v) !== 0, expected: 'an IPv4 or IPv6 address' },
  domain: {
    test: (v) => /^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$/i.test(v),
    expected: 'a DNS name',
  },
  url: {
    test: (v) => {
      try {
        return ['http:', 'https:', 'ftp:'].includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    expected: 'an http(s) or ftp URL',
  },
  username: { test: (v) => !/[\u0000-\u001f\u007f]/.test(v), expected: 'a name without control characters' },
  filehash: { test: (v) => /^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64}|[a-f0-9]{128})$/i.test(v), expected: 'an MD5, SHA-1, SHA-256 or SHA-512 hex digest' },
  aws_instance_id: { test: (v) => /^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(v), expected: 'an EC2 instance id (i-…)' },
  aws_access_key_id: { test: (v) => /^(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,124}$/.test(v), expected: 'an access key id (AKIA…/ASIA…)' },
  aws_account_id: { test: (v) => /^\d{12}$/.test(v), expected: 'a 12-digit account id' },
  aws_arn: { test: (v) => /^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12})?:.+$/.test(v), expected: 'an ARN (arn:aws:…)' },
  aws_region: { test: (v) => /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(v), expected: 'an AWS region (us-east-1)' },
  aws_eni_id: { test: (v) => /^eni-([0-9a-f]{8}|[0-9a-f]{17})$/.test(v), expected: 'a network interface id (eni-…)' },
  event_id: { test: (v) => /^[\w:./-]{1,256}$/.test(v), expected: 'a log record id (letters, digits, : . / _ -)' },
  user_agent: { test: (v) => !/[\u0000-\u001f\u007f]/.test(v), expected: 'a user agent without control characters' },
  port: { test: (v) => /^\d{1,5}$/.test(v) && Number(v) <= 65535, expected: 'a port number 0-65535' },
};

// Every schema here is built on its first use (z.lazy), not at import: zod's construction is a
// measurable part of a cold start, and most functions import this module for its types and
// constants without ever parsing an alert.
export const AttributeSchema = z.lazy(() =>
  z
    .object({
      type: z.enum(ATTRIBUTE_TYPES, { error: `type must be one of ${ATTRIBUTE_TYPES.join(', ')}` }),
      // The key is hashed into the attribute id NUL-separated, like identifiers into the alert id.
      key: z
        .string()
        .min(1, 'key must not be empty')
        .max(256, 'key must be at most 256 characters')
        .regex(/^[^\u0000-\u001f\u007f]*$/, 'key must not contain control characters')
        .superRefine(refuseInvisible('key'))
        .transform(normalizeIdentifier),
      value: z
        .string({ error: 'value must be a string' })
        .min(1, 'value must not be empty')
        .max(ALERT_LIMITS.attributeValueChars, `value must be at most ${ALERT_LIMITS.attributeValueChars} characters`),
      context: z
        .array(z.enum(ATTRIBUTE_CONTEXTS, { error: `context must be one of ${ATTRIBUTE_CONTEXTS.join(', ')}` }))
        .max(ALERT_LIMITS.contexts)
        .default([]),
      /** When the source observed this value (deepalert's per-attribute timestamp). */
      timestamp: z.iso.datetime({ offset: true, error: 'timestamp must be an ISO 8601 date-time' }).optional(),
    })
    .strict()
    .superRefine((attribute, ctx) => {
      const check = VALUE_CHECKS[attribute.type];
      if (!check.test(attribute.value)) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `value is not ${check.expected}` });
      }
    }),
);
export type Attribute = z.output<typeof AttributeSchema>;
export type AttributeInput = z.input<typeof AttributeSchema>;

/** The source's own severity, normalised so a policy can match it; `raw` is what the source said. */
export const SOURCE_SEVERITY_LEVELS = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type SourceSeverityLevel = (typeof SOURCE_SEVERITY_LEVELS)[number];
export const SourceSeveritySchema = z.lazy(() =>
  z
    .object({
      level: z.enum(SOURCE_SEVERITY_LEVELS, { error: `level must be one of ${SOURCE_SEVERITY_LEVELS.join(', ')}` }),
      raw: z.union([z.string().max(64, 'raw must be at most 64 characters'), z.number()]).optional(),
    })
    .strict(),
);
export type SourceSeverity = z.output<typeof SourceSeveritySchema>;

/**
 * An attribute that failed its checks, kept as a note with the reason instead of losing the
 * whole alert over it (GuardDuty's placeholder access keys, CloudTrail's "AWS Internal" as a
 * source IP). Never sent to inspectors: nothing vouches for its type.
 */
export const UnverifiedAttributeSchema = z.lazy(() =>
  z
    .object({
      type: z.string().max(64),
      key: z.string().max(256),
      value: z.string().max(ALERT_LIMITS.attributeValueChars),
      reason: z.string().min(1).max(300),
    })
    .strict(),
);
export type UnverifiedAttribute = z.output<typeof UnverifiedAttributeSchema>;

export const AlertSchema = z.lazy(() =>
  z
    .object({
      detector: identifier('detector'),
      rule_id: identifier('rule_id'),
      rule_name: z.string().max(ALERT_LIMITS.idBytes, `rule_name must be at most ${ALERT_LIMITS.idBytes} characters`).optional(),
      alert_key: identifier('alert_key').optional(),
      description: z
        .string()
        .max(ALERT_LIMITS.descriptionChars, `description must be at most ${ALERT_LIMITS.descriptionChars} characters`)
        .optional(),
      timestamp: z.iso.datetime({ offset: true, error: 'timestamp must be an ISO 8601 date-time' }).optional(),
      attributes: z
        .array(AttributeSchema)
        .max(ALERT_LIMITS.attributes, `at most ${ALERT_LIMITS.attributes} attributes are accepted`)
        .default([]),
      unverified: z
        .array(UnverifiedAttributeSchema)
        .max(ALERT_LIMITS.attributes, `at most ${ALERT_LIMITS.attributes} unverified attributes are accepted`)
        .optional(),
      source_severity: SourceSeveritySchema.optional(),
      body: z
        .unknown()
        .optional()
        .refine(
          (body) => body === undefined || byteLength(JSON.stringify(body) ?? '') <= ALERT_LIMITS.bodyBytes,
          `body must serialise to at most ${ALERT_LIMITS.bodyBytes} bytes of JSON`,
        ),
    })
    .strict(),
);
export type Alert = z.output<typeof AlertSchema>;
export type AlertInput = z.input<typeof AlertSchema>;
