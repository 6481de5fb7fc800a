import { ConfigError } from '../../core/errors.ts';

/**
 * Base error of the blocklist inspector: a source that cannot be used or read. It is a
 * ConfigError: fixed in configuration (or at the feed), not by retrying the inspection.
 * Malformed lines are not errors: they are skipped and counted (see parse.ts).
 */
export class BlocklistError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlocklistError';
  }
}
