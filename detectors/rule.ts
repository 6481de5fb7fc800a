/**
 * The rule contract: a detection rule is a pure `match` over one log record plus metadata,
 * and functions that say which report the alert joins (`alertKey`) and which entities a
 * responder needs (`attributes`). `defineRule` checks the metadata once, at load time.
 */
import type { AttributeInput } from '../core/alert.ts';
import { RuleContractError } from './errors.ts';
import type { DetectorSettings } from './settings.ts';
import type { NetworkMatcher } from './network.ts';

export const RULE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

export const LOG_SOURCES = ['cloudtrail', 'flowlogs'] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

/** What every rule sees beside the record: the deployment's settings and the loaded blocklists. */
export interface RuleContext {
  settings: DetectorSettings;
  /** Address lookups against the internal ranges and the inspectors' blocklists. */
  network: NetworkMatcher;
}

/** A "first seen" fact: the alert is raised only the first time `value` appears in `scope`. */
export interface FirstSeenKey {
  scope: string;
  value: string;
}

export interface Rule<R> {
  /** The alert's rule_id: [a-z0-9-], unique across all rules. */
  id: string;
  /** The alert's rule_name. */
  title: string;
  severity: RuleSeverity;
  source: LogSource;
  /** Why this matters and what to check first; shown in the alert description. */
  description: string;
  /**
   * CloudTrail only: the eventNames this rule can match. The detector indexes rules by them, so
   * a record only reaches the rules that could match it; omit for rules over every event.
   */
  eventNames?: readonly string[];
  /** Pure: no I/O, no clock. */
  match(record: R, ctx: RuleContext): boolean;
  /** Alerts with the same key aggregate into one report within the window (e.g. per principal). */
  alertKey(record: R, ctx: RuleContext): string;
  /** Rule-specific entities; the detector adds the ones every alert of its source carries. */
  attributes?(record: R, ctx: RuleContext): AttributeInput[];
  /** A one-line account of this occurrence, prefixed to the description. */
  summary?(record: R, ctx: RuleContext): string;
  /** Stateful rules: alert only when this value was never seen before in its scope. */
  firstSeen?(record: R): FirstSeenKey | undefined;
}

const RULE_ID = /^[a-z][a-z0-9-]{2,63}$/;

/**
 * @example
 * export default defineRule<CloudTrailRecord>({
 *   id: 'root-access-key-created', title: 'Access key created for the root user', severity: 'critical',
 *   source: 'cloudtrail', description: 'Root keys never expire and bypass every IAM policy.',
 *   eventNames: ['CreateAccessKey'],
 *   match: (r) => r.userIdentity?.type === 'Root' && !r.errorCode,
 *   alertKey: (r) => accountOf(r),
 * });
 */
export const defineRule = <R>(rule: Rule<R>): Rule<R> => {
  if (typeof rule.id !== 'string' || !RULE_ID.test(rule.id)) throw new RuleContractError(`rule id ${JSON.stringify(rule.id)} must match ${RULE_ID}`);
  if (!rule.title) throw new RuleContractError(`rule ${rule.id} needs a title`);
  if (!rule.description) throw new RuleContractError(`rule ${rule.id} needs a description`);
  if (!(RULE_SEVERITIES as readonly string[]).includes(rule.severity)) {
    throw new RuleContractError(`rule ${rule.id} severity must be one of ${RULE_SEVERITIES.join(', ')}`);
  }
  if (!(LOG_SOURCES as readonly string[]).includes(rule.source)) throw new RuleContractError(`rule ${rule.id} source must be one of ${LOG_SOURCES.join(', ')}`);
  if (rule.eventNames !== undefined && (rule.source !== 'cloudtrail' || rule.eventNames.length === 0)) {
    throw new RuleContractError(`rule ${rule.id}: eventNames is a non-empty list, for cloudtrail rules only`);
  }
  for (const fn of ['match', 'alertKey'] as const) {
    if (typeof rule[fn] !== 'function') throw new RuleContractError(`rule ${rule.id} needs a ${fn} function`);
  }
  return rule;
};

/** Checks a set of rules together: ids must be unique, since reports are keyed by them. */
export const checkRuleSet = <R>(rules: readonly Rule<R>[]): readonly Rule<R>[] => {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.id)) throw new RuleContractError(`two rules have the id ${rule.id}`);
    seen.add(rule.id);
  }
  return rules;
};
