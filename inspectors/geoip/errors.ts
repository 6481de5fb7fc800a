import { ConfigError } from '../../core/errors.ts';

/** Base error of the geoip inspector: a database that cannot be read is a configuration problem. */
export class GeoipError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GeoipError';
  }
}

/** Why an ASN table file was not used: each one means "build it again from the CSV", never "answer from it". */
export type AsnTableFileProblem = 'not an ASN table' | 'other format version' | 'other byte order' | 'wrong length' | 'checksum mismatch' | 'stale';

/** An ASN table file (a cache or the packaged one) that cannot be trusted to answer. */
export class AsnTableFileError extends GeoipError {
  readonly problem: AsnTableFileProblem;
  constructor(problem: AsnTableFileProblem, detail: string, options?: { cause?: unknown }) {
    super(`ASN table file refused (${problem}): ${detail}`, options);
    this.name = 'AsnTableFileError';
    this.problem = problem;
  }
}
