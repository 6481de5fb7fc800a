/** One base error for the project; subclasses name what failed so Step Functions can match on `name`. */
export class AlertWardenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertWardenError';
  }
}

/** `attributes[2].value`: the path style of every AlertWarden error (reads better than `attributes.2.value`). */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');

/** One problem in an input: the dotted path of the field and why it was refused. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Input that can never be accepted; retrying it is pointless, so it is recorded and acknowledged. */
export class InvalidAlertError extends AlertWardenError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], options?: { cause?: unknown }) {
    super(`invalid alert: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, options);
    this.name = 'InvalidAlertError';
    this.issues = issues;
  }
}

export class ConfigError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** An inspector ran past its own time budget. */
export class InspectorTimeoutError extends AlertWardenError {
  constructor(inspector: string, timeoutMs: number) {
    super(`inspector ${inspector} did not answer within ${timeoutMs} ms`);
    this.name = 'InspectorTimeoutError';
  }
}

/** A plugin returned something that does not match its contract. */
export class PluginContractError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginContractError';
  }
}

/**
 * Another attempt holds this (version, emitter)'s lease and may still be delivering: the emit
 * step retries later (its own Retry entry in the ASL) instead of delivering a second time now.
 */
export class EmissionInProgressError extends AlertWardenError {
  constructor(reportId: string, version: number, emitter: string, leaseUntil: string) {
    super(`emitter ${emitter} is already delivering version ${version} of report ${reportId} (lease until ${leaseUntil})`);
    this.name = 'EmissionInProgressError';
  }
}

export class ReportNotFoundError extends AlertWardenError {
  constructor(reportId: string) {
    super(`report ${reportId} not found`);
    this.name = 'ReportNotFoundError';
  }
}
