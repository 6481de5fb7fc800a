import { ConfigError } from '../../core/errors.ts';

/**
 * Base error of the blocklist inspector. It is a ConfigError: every cause (a bad source, an
 * unreadable file, a malformed line) is fixed in configuration, never by retrying.
 */
export class BlocklistError extends ConfigError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlocklistError';
  }
}

/** A line of a list that is neither an IP address, a CIDR nor a domain. */
export class BlocklistSyntaxError extends BlocklistError {
  readonly location: string;
  readonly line: number;
  constructor(location: string, line: number, problem: string) {
    super(`${location}:${line}: ${problem}`);
    this.name = 'BlocklistSyntaxError';
    this.location = location;
    this.line = line;
  }
}
