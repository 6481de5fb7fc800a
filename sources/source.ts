/**
 * The source-adapter contract: one small typed function per kind of input that turns what a
 * security tool really sends (a GuardDuty finding, Security Hub ASFF, a deepalert alert) into
 * alert candidates. Candidates are validated afterwards like any published alert, so an
 * adapter maps fields and never decides what is valid.
 */
import type { AlertInput, SourceSeverity } from '../core/alert.ts';
import type { FieldIssue } from '../core/errors.ts';

export const SOURCE_NAMES = ['alert', 'deepalert', 'guardduty', 'securityhub'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** What an adapter made of one item of a document. */
export type MappedItem =
  /** `path`: where the item sits in the document (`detail.findings[2]`), `''` for the document itself. */
  | { path: string; alert: AlertCandidate }
  /** The item cannot become an alert: the issues name fields of the user's document. */
  | { path: string; issues: FieldIssue[] }
  /** The item is not an alert by the source's own account (an archived or resolved finding). */
  | { path: string; skipped: string };

/** An alert before validation: loosely typed on purpose, attribute values are still the source's. */
export type AlertCandidate = Omit<AlertInput, 'attributes' | 'source_severity'> & {
  attributes?: unknown[];
  source_severity?: SourceSeverity;
};

export interface SourceAdapter {
  readonly name: SourceName;
  /** What the adapter reads, for messages such as "not a GuardDuty finding". */
  readonly describes: string;
  /** Whether `document` (EventBridge envelope already removed) is this source's. */
  recognises(document: Record<string, unknown>): boolean;
  /** One entry per item: GuardDuty has one finding per document, ASFF events a list. */
  map(document: Record<string, unknown>, path: string): MappedItem[];
}

export const defineSource = (adapter: SourceAdapter): SourceAdapter => adapter;
