/** Errors of the detectors: one base class, named subclasses; input errors name where the bad value is. */
import { AlertWardenError } from '../core/errors.ts';

export class DetectorError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorError';
  }
}

/** A rule whose metadata breaks the contract: thrown at load time, so a typo fails the deploy, not the first record. */
export class RuleContractError extends DetectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuleContractError';
  }
}

/** Input that is not a log in a shape we read; `where` names the file, line or field. */
export class LogFormatError extends DetectorError {
  readonly where: string;
  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options);
    this.name = 'LogFormatError';
    this.where = where;
  }
}

/** Detector settings (ALERTWARDEN_DETECT_* variables) that cannot be used. */
export class DetectorConfigError extends DetectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorConfigError';
  }
}
