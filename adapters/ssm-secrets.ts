/**
 * SecretReader over SSM Parameter Store (SecureString parameters, decrypted by SSM with KMS).
 * Values are cached per container for `ttlMs` so an emitter does not call SSM per report
 * (GetParameter is throttled at 40 TPS by default), and concurrent reads of one name share
 * one call. Failures are not cached: the next read asks again.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { SecretError, type SecretReader } from '../core/secrets.ts';
import { clientOf, type Lazy } from './aws-clients.ts';

export interface SsmSecretReaderOptions {
  /** How long a value is reused before SSM is asked again (rotation delay). Default 5 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export class SsmSecretReader implements SecretReader {
  // Private fields: util.inspect and JSON.stringify of the reader never show cached values.
  readonly #ssm: Lazy<SSMClient>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { value: Promise<string>; expiresAtMs: number }>();

  constructor(ssm: Lazy<SSMClient>, options: SsmSecretReaderOptions = {}) {
    this.#ssm = ssm;
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  read(name: string): Promise<string> {
    const cached = this.#cache.get(name);
    if (cached && cached.expiresAtMs > this.#now()) return cached.value;
    const value = this.#fetch(name);
    this.#cache.set(name, { value, expiresAtMs: this.#now() + this.#ttlMs });
    value.catch(() => {
      if (this.#cache.get(name)?.value === value) this.#cache.delete(name);
    });
    return value;
  }

  async #fetch(name: string): Promise<string> {
    let response;
    try {
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      response = await (await clientOf(this.#ssm)).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      // The SDK's own message is not repeated: it is about the request, and requests carry no value, but we keep it that way.
      throw new SecretError(name, code === 'ParameterNotFound' ? 'does not exist in SSM Parameter Store' : `could not be read from SSM (${code})`, {
        cause: error,
      });
    }
    const value = response.Parameter?.Value;
    if (value === undefined || value === '') throw new SecretError(name, 'has no value in SSM Parameter Store');
    return value;
  }

  toJSON() {
    return { ssmParametersCached: [...this.#cache.keys()] };
  }
}
