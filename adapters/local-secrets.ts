/**
 * Local runs: secrets from a JSON file `{ "<parameter name>": "<value>" }` named by
 * ALERTWARDEN_SECRETS_FILE, under the same names the deployment keeps in SSM, so plugin code
 * reads them the same way in both places. Keep the file out of version control.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { StaticSecretReader, type SecretReader } from '../core/secrets.ts';

export const fileSecretReader = (path: string): SecretReader => {
  let loaded: Promise<SecretReader> | undefined;
  const load = async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      // The parse error could quote file content, that is a secret: only its kind is kept.
      throw new ConfigError(`ALERTWARDEN_SECRETS_FILE cannot be read as JSON (${(error as Error).name})`);
    }
    const entries = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.entries(parsed) : [];
    if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'string')) {
      throw new ConfigError('ALERTWARDEN_SECRETS_FILE must hold one JSON object of parameter names to string values');
    }
    return new StaticSecretReader(Object.fromEntries(entries) as Record<string, string>);
  };
  return {
    read: async (name) => (await (loaded ??= load())).read(name),
  };
};
