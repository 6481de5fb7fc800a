import { ConfigError, type FieldIssue } from '../../core/errors.ts';

/** Base error of the policy reviewer: the policy could not be read or parsed. Fixed in config, never by retrying. */
export class PolicyError extends ConfigError {
  /** File path or s3:// URL of the policy, or a label for an inline policy. */
  readonly origin: string;
  constructor(origin: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyError';
    this.origin = origin;
  }
}

/** The policy is JSON but not a valid policy; each issue names the path of the bad field. */
export class InvalidPolicyError extends PolicyError {
  readonly issues: FieldIssue[];
  constructor(origin: string, issues: FieldIssue[]) {
    super(origin, `invalid review policy ${origin}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'InvalidPolicyError';
    this.issues = issues;
  }
}
