/** GitHub's settings from the environment, checked at start without loading Octokit. */
import { ConfigError } from '../../core/errors.ts';
import { filterFromEnv, type NotifyFilter } from '../notify.ts';

export interface GitHubSettings {
  owner: string;
  repo: string;
  tokenParameter: string;
  /** GitHub Enterprise Server: https://<host>/api/v3. Default: api.github.com. */
  apiUrl?: string;
  closeOnSafe: boolean;
  /** Put on every issue, beside `severity:<level>`. */
  labels: string[];
  filter: NotifyFilter;
}

export const githubSettingsFrom = (env: Record<string, string | undefined>): GitHubSettings | undefined => {
  const tokenParameter = env.ALERTWARDEN_GITHUB_TOKEN_PARAMETER?.trim();
  if (!tokenParameter) return undefined;
  const repository = env.ALERTWARDEN_GITHUB_REPOSITORY?.trim() ?? '';
  const match = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
  if (!match) throw new ConfigError('ALERTWARDEN_GITHUB_REPOSITORY: required with ALERTWARDEN_GITHUB_TOKEN_PARAMETER, as owner/name');
  const apiUrl = env.ALERTWARDEN_GITHUB_API_URL?.trim();
  if (apiUrl && !/^https?:\/\/\S+$/.test(apiUrl)) throw new ConfigError('ALERTWARDEN_GITHUB_API_URL: must be an http(s) URL, e.g. https://github.example.com/api/v3');
  const close = env.ALERTWARDEN_GITHUB_CLOSE_ON_SAFE?.trim() || 'true';
  if (close !== 'true' && close !== 'false') throw new ConfigError('ALERTWARDEN_GITHUB_CLOSE_ON_SAFE: must be true or false');
  const labels = (env.ALERTWARDEN_GITHUB_LABELS ?? 'alertwarden').split(',').map((l) => l.trim()).filter(Boolean);
  return {
    owner: match[1]!,
    repo: match[2]!,
    tokenParameter,
    ...(apiUrl ? { apiUrl: apiUrl.replace(/\/+$/, '') } : {}),
    closeOnSafe: close === 'true',
    labels,
    filter: filterFromEnv(env, 'GITHUB', 'medium'),
  };
};
