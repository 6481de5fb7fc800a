/**
 * The review policy file. Strict: an unknown key (a typo such as "sevrity") is an error, so a
 * rule cannot silently stop applying.
 */
import * as z from 'zod';
import { formatPath } from '../../core/errors.ts';
import { SOURCE_SEVERITY_LEVELS } from '../../core/alert.ts';
import { SEVERITIES, VERDICTS } from '../../core/report.ts';
import { InvalidPolicyError } from './errors.ts';
import { ONE_SHOT } from '../../core/zod-parse.ts';

/** Placeholders a reason may use; the last three need the rule to match on a finding. */
export const PLACEHOLDERS = ['alerts', 'rule_id', 'detector', 'source_severity', 'finding', 'source', 'attribute'] as const;
const FINDING_PLACEHOLDERS: readonly string[] = ['finding', 'source', 'attribute'];
const PLACEHOLDER = /\{(\w+)\}/g;

const checkReason = (reason: string, hasFinding: boolean, ctx: z.RefinementCtx) => {
  for (const [, name = ''] of reason.matchAll(PLACEHOLDER)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `unknown placeholder {${name}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
    } else if (!hasFinding && FINDING_PLACEHOLDERS.includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `{${name}} needs a "when.finding" condition to refer to` });
    }
  }
};

// Built on the first policy parsed (z.lazy), not at import: only the review function reads a
// policy, and zod's construction is a measurable part of every function's cold start.
export const PolicySchema = z.lazy(() => {
  const severity = z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` });
  const verdict = z.enum(VERDICTS);
  const sourceLevel = z.enum(SOURCE_SEVERITY_LEVELS);
  /** Exact text, or a glob where `*` matches anything; matched case-insensitively. */
  const pattern = z.string().min(1, 'must not be empty');

  const FindingConditionSchema = z
    .object({
      inspector: z.string().min(1, 'must not be empty').optional(),
      verdict: z.union([verdict, z.array(verdict).min(1)], { error: `must be a verdict or a list of verdicts (${VERDICTS.join(', ')})` }).optional(),
      source: pattern.optional(),
    })
    .strict();

  const RuleSchema = z
    .object({
      name: z.string().min(1, 'must not be empty'),
      description: z.string().optional(),
      when: z
        .object({
          rule_id: pattern.optional(),
          detector: pattern.optional(),
          finding: FindingConditionSchema.optional(),
          /** The tool's own severity on any alert of the report (GuardDuty, Security Hub), normalised by sources/. */
          source_severity: z
            .union([sourceLevel, z.array(sourceLevel).min(1)], { error: `must be a level or a list of levels (${SOURCE_SEVERITY_LEVELS.join(', ')})` })
            .optional(),
          minAlerts: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
        })
        .strict(),
      severity,
      reason: z.string().min(1, 'must not be empty'),
    })
    .strict()
    .superRefine((rule, ctx) => checkReason(rule.reason, rule.when.finding !== undefined, ctx));

  return z
    .object({
      description: z.string().optional(),
      default: z
        .object({ severity, reason: z.string().min(1, 'must not be empty') })
        .strict()
        .superRefine((fallback, ctx) => checkReason(fallback.reason, false, ctx)),
      rules: z.array(RuleSchema).default([]),
    })
    .strict()
    .superRefine((policy, ctx) => {
      // Rule names appear in logs as the reason for a verdict; two of a name would be ambiguous.
      const seen = new Set<string>();
      policy.rules.forEach((rule, i) => {
        if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name ${JSON.stringify(rule.name)}` });
        seen.add(rule.name);
      });
    });
});

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyRule = Policy['rules'][number];

/** rules[2].when.finding.verdict */

/**
 * Validates a policy; errors name `origin` and the path of each bad field.
 *
 * @example
 * const policy = parsePolicy(JSON.parse(text), 's3://config/policy.json');
 */
export const parsePolicy = (json: unknown, origin: string): Policy => {
  const result = PolicySchema.safeParse(json, ONE_SHOT);
  if (!result.success) {
    throw new InvalidPolicyError(origin, result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })));
  }
  return result.data;
};
