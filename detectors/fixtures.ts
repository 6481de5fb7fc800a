/**
 * Runs every rule's fixtures (`<rule>.fixtures.json` beside its module): each positive record
 * must raise exactly one alert of that rule, each negative none. Used by the unit tests and by
 * `alertwarden rules test`, so what CI checks is what a rule author runs.
 *
 * Fixture file: { "env"?: {ALERTWARDEN_DETECT_*}, "blocklist"?: [entries], "positive": [...], "negative": [...] }
 * with CloudTrail records, or flow-log lines in the default format (a header line first in
 * the array switches the format).
 */
import { readFile } from 'node:fs/promises';
import { AlertSchema } from '../core/alert.ts';
import { parseBlocklist } from '../inspectors/blocklist/parse.ts';
import type { CloudTrailRecord } from './cloudtrail/record.ts';
import type { Detection } from './detect.ts';
import { LogFormatError } from './errors.ts';
import { keepFirstSeen, MemoryFirstSeenStore } from './first-seen.ts';
import { createDetectors } from './index.ts';
import { readFlowLogLines } from './input.ts';
import type { Rule } from './rule.ts';
import { cloudTrailRules, flowLogRules, RULE_PATHS } from './rules.ts';
import { loadDetectorSettings } from './settings.ts';

export interface RuleFixtures {
  env?: Record<string, string>;
  blocklist?: string[];
  positive: unknown[];
  negative: unknown[];
}

export interface FixtureOutcome {
  ruleId: string;
  positives: number;
  negatives: number;
  /** Empty when the rule passed. */
  failures: string[];
}

export const fixturePath = (ruleId: string): URL => {
  const path = RULE_PATHS[ruleId];
  if (!path) throw new LogFormatError(`rule ${ruleId}`, 'has no entry in RULE_PATHS (detectors/rules.ts)');
  return new URL(`./${path}.fixtures.json`, import.meta.url);
};

export const loadFixtures = async (ruleId: string): Promise<RuleFixtures> => {
  const url = fixturePath(ruleId);
  const parsed = JSON.parse(await readFile(url, 'utf8')) as RuleFixtures;
  if (!Array.isArray(parsed.positive) || !Array.isArray(parsed.negative)) throw new LogFormatError(url.pathname, 'needs "positive" and "negative" arrays');
  return parsed;
};

/** The detections of one fixture record, through the same detectors and first-seen filter the sources use. */
const detectionsFor = async (rule: Rule<unknown>, fixtures: RuleFixtures, record: unknown): Promise<Detection[]> => {
  const detectors = createDetectors({
    settings: loadDetectorSettings(fixtures.env ?? {}),
    blocklists: fixtures.blocklist ? [parseBlocklist(fixtures.blocklist.join('\n'), 'fixture-list', 'fixtures')] : [],
  });
  const found =
    rule.source === 'cloudtrail'
      ? detectors.cloudtrail.detect(record as CloudTrailRecord)
      : readFlowLogLines(String(record).split('\n'), 'fixture', detectors.settings.flowLogFormat).records.flatMap((r) => detectors.flowlogs.detect(r));
  return keepFirstSeen(found, new MemoryFirstSeenStore());
};

export const runRuleFixtures = async (rule: Rule<unknown>): Promise<FixtureOutcome> => {
  const outcome: FixtureOutcome = { ruleId: rule.id, positives: 0, negatives: 0, failures: [] };
  let fixtures: RuleFixtures;
  try {
    fixtures = await loadFixtures(rule.id);
  } catch (error) {
    outcome.failures.push(`cannot read fixtures: ${(error as Error).message}`);
    return outcome;
  }
  if (fixtures.positive.length === 0 || fixtures.negative.length === 0) outcome.failures.push('needs at least one positive and one negative fixture');
  for (const [i, record] of fixtures.positive.entries()) {
    outcome.positives++;
    const mine = (await detectionsFor(rule, fixtures, record)).filter((d) => d.ruleId === rule.id);
    if (mine.length !== 1) {
      outcome.failures.push(`positive[${i}] raised ${mine.length} alerts, expected 1`);
      continue;
    }
    const checked = AlertSchema.safeParse(mine[0]!.alert);
    if (!checked.success) outcome.failures.push(`positive[${i}] alert breaks the contract: ${checked.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  }
  for (const [i, record] of fixtures.negative.entries()) {
    outcome.negatives++;
    const mine = (await detectionsFor(rule, fixtures, record)).filter((d) => d.ruleId === rule.id);
    if (mine.length !== 0) outcome.failures.push(`negative[${i}] raised ${mine.length} alert(s): ${mine[0]!.alert.description}`);
  }
  return outcome;
};

export const allRules = (): Rule<unknown>[] => [...cloudTrailRules, ...flowLogRules] as Rule<unknown>[];

export const runAllFixtures = async (): Promise<FixtureOutcome[]> => Promise.all(allRules().map(runRuleFixtures));
