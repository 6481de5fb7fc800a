/**
 * Chooses the deployment's reviewer. By default it is the policy reviewer with the bundled
 * `reviewer/policy.json`; set ALERTWARDEN_REVIEW_POLICY to a file path or s3://bucket/key to
 * use your own policy without a deploy of code.
 *
 * To swap in a reviewer of your own (a script, a model, a ticket lookup), write it with
 * `defineReviewer({ name, review(report, ctx) { return { severity, reason }; } })` and return
 * it from `loadReviewer` instead; nothing else in the pipeline needs to change.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lazy } from '../adapters/aws-clients.ts';
import type { Reviewer } from '../core/plugins.ts';
import { createPolicyReviewer, loadPolicy, parsePolicy } from './policy/index.ts';
// Imported, not read from disk, so esbuild bundles it into the Lambda artefact.
import bundledPolicy from './policy.json' with { type: 'json' };

export const REVIEW_POLICY_ENV = 'ALERTWARDEN_REVIEW_POLICY';

export interface ReviewerClients {
  s3?: Lazy<S3Client>;
}

/**
 * @example
 * const reviewer = await loadReviewer(process.env, { s3: new S3Client({}) });
 */
export const loadReviewer = async (env: Record<string, string | undefined>, clients: ReviewerClients = {}): Promise<Reviewer> => {
  const location = env[REVIEW_POLICY_ENV]?.trim();
  const policy = location ? await loadPolicy(location, clients.s3) : parsePolicy(bundledPolicy, 'reviewer/policy.json');
  return createPolicyReviewer(policy, location || 'reviewer/policy.json');
};
