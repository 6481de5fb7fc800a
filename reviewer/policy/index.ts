/**
 * The default reviewer: a declarative JSON policy maps rule ids and inspector findings to a
 * severity and a reason. See `reviewer/policy.json` for the shipped policy and `schema.ts`
 * for the format.
 */
import { defineReviewer, type Reviewer } from '../../core/plugins.ts';
import { compilePolicy, evaluatePolicy } from './evaluate.ts';
import { parsePolicy, type PolicyInput } from './schema.ts';

export { InvalidPolicyError, PolicyError } from './errors.ts';
export { loadPolicy } from './load.ts';
export { parsePolicy, PLACEHOLDERS, type Policy, type PolicyInput, type PolicyRule } from './schema.ts';

/**
 * Validates the policy once, at creation, then reviews reports against it.
 *
 * @example
 * const reviewer = createPolicyReviewer({
 *   default: { severity: 'unclassified', reason: 'no rule matched {rule_id}' },
 *   rules: [{ name: 'blocklisted', when: { finding: { verdict: 'malicious' } }, severity: 'high', reason: '{attribute} {finding}' }],
 * });
 */
export const createPolicyReviewer = (policy: PolicyInput, origin = 'inline policy'): Reviewer => {
  const compiled = compilePolicy(parsePolicy(policy, origin));
  return defineReviewer({
    name: 'policy',
    review(report, ctx) {
      const outcome = evaluatePolicy(compiled, report);
      ctx.logger.debug('policy review', { reportId: report.id, rule: outcome.rule ?? 'default', severity: outcome.severity });
      return { severity: outcome.severity, reason: outcome.reason };
    },
  });
};
