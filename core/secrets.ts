/**
 * Secrets port: how plugins get credentials (webhook URLs, API tokens) without them ever being
 * part of configuration, logs or reports. Configuration names a secret (an SSM parameter
 * name); only the reader turns the name into the value, at the moment it is needed.
 */
import { AlertWardenError } from './errors.ts';

export interface SecretReader {
  /**
   * The current value of the named secret. Never log it, put it in an error message or a
   * report; pass it straight to the client that needs it.
   *
   * @example
   * const url = await ctx.secrets.read(options.webhookParameter); // e.g. '/alertwarden/prod/slack-webhook'
   */
  read(name: string): Promise<string>;
}

/** A secret that could not be read. The message names the secret, never a value. */
export class SecretError extends AlertWardenError {
  readonly secretName: string;
  constructor(secretName: string, reason: string, options?: { cause?: unknown }) {
    super(`secret ${JSON.stringify(secretName)} ${reason}`, options);
    this.name = 'SecretError';
    this.secretName = secretName;
  }
}

/**
 * Secrets held in memory, for tests and local runs. Values live in a private field, so
 * `util.inspect`, `console.log` and `JSON.stringify` of the reader show none of them.
 *
 * @example
 * const secrets = staticSecretReader({ '/alertwarden/dev/slack-webhook': 'https://hooks.slack.com/services/T/B/x' });
 */
export class StaticSecretReader implements SecretReader {
  readonly #values: Map<string, string>;
  constructor(values: Record<string, string>) {
    this.#values = new Map(Object.entries(values));
  }
  async read(name: string): Promise<string> {
    const value = this.#values.get(name);
    if (value === undefined) throw new SecretError(name, 'is not configured');
    return value;
  }
  toJSON() {
    return { secrets: [...this.#values.keys()] };
  }
}
