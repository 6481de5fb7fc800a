/**
 * Small readers for loosely typed JSON from outside: a source adds fields over the years and
 * fills others with placeholders, so every read is defensive and nothing here throws.
 */
import { ALERT_LIMITS, SOURCE_SEVERITY_LEVELS, type SourceSeverity, type SourceSeverityLevel } from '../core/alert.ts';
import { formatPath } from '../core/errors.ts';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const objectAt = (value: unknown): Json => (isObject(value) ? value : {});
export const listAt = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** Text of a string or a number (ports arrive as numbers); anything else is absent. */
export const textAt = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;

/** `detail.findings[2]` from a base path and the steps below it. */
export const pathOf = (base: string, ...steps: PropertyKey[]): string => {
  const rest = formatPath(steps);
  if (!base) return rest;
  if (!rest) return base;
  return rest.startsWith('[') ? `${base}${rest}` : `${base}.${rest}`;
};

export const truncate = (text: string | undefined, max: number): string | undefined =>
  text === undefined ? undefined : text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** An ISO 8601 date-time as the contract accepts it; epoch milliseconds (older GuardDuty samples) converted. */
export const isoAt = (value: unknown): string | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  return Number.isNaN(Date.parse(value)) ? undefined : value;
};

/**
 * The body keeps the source's record so nothing the mapping left out is lost; a record over
 * the body limit is replaced by `summary` rather than losing the alert.
 */
export const bodyWithin = (record: unknown, summary: () => Json): unknown =>
  Buffer.byteLength(JSON.stringify(record) ?? '', 'utf8') <= ALERT_LIMITS.bodyBytes ? record : { ...summary(), truncated: true };

export const severity = (level: SourceSeverityLevel, raw: string | number | undefined): SourceSeverity =>
  raw === undefined ? { level } : { level, raw: typeof raw === 'string' ? raw.slice(0, 64) : raw };

export const isSeverityLevel = (value: unknown): value is SourceSeverityLevel =>
  typeof value === 'string' && (SOURCE_SEVERITY_LEVELS as readonly string[]).includes(value);

/**
 * Collects attribute candidates: absent values are skipped and repeats (one IP on two network
 * interfaces) kept once. Values are not checked here; validation sorts out the bad ones.
 */
export class AttributeList {
  private readonly seen = new Set<string>();
  readonly items: { type: string; key: string; value: string; context: string[] }[] = [];

  add(type: string, key: string, value: unknown, context: string[]): this {
    const text = textAt(value);
    if (text === undefined) return this;
    const id = `${type}\u0000${key}\u0000${text}`;
    if (this.seen.has(id) || this.items.length >= ALERT_LIMITS.attributes) return this;
    this.seen.add(id);
    this.items.push({ type, key, value: text, context });
    return this;
  }
}

/**
 * The alert of one finding (GuardDuty, Security Hub): its id is the alert key, so later updates of
 * the finding join its report; the title and description are cut to the contract's limits, and
 * fields the finding lacks are left out rather than sent empty.
 */
export const findingAlert = (finding: {
  detector: string;
  ruleId: string;
  id: string;
  title: unknown;
  description: unknown;
  updatedAt: unknown;
  createdAt: unknown;
  sourceSeverity: SourceSeverity | undefined;
  attributes: AttributeList['items'];
  body: unknown;
}) => {
  const title = truncate(textAt(finding.title), ALERT_LIMITS.idBytes);
  const description = truncate(textAt(finding.description), ALERT_LIMITS.descriptionChars);
  const timestamp = isoAt(finding.updatedAt) ?? isoAt(finding.createdAt);
  return {
    detector: finding.detector,
    rule_id: finding.ruleId,
    alert_key: finding.id,
    ...(title !== undefined ? { rule_name: title } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(finding.sourceSeverity ? { source_severity: finding.sourceSeverity } : {}),
    attributes: finding.attributes,
    body: finding.body,
  };
};
