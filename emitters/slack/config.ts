/**
 * Slack's settings from the environment, checked at start without loading the Slack clients
 * (emitters/index.ts loads those on the first report).
 */
import { ConfigError } from '../../core/errors.ts';
import { filterFromEnv, type NotifyFilter } from '../notify.ts';

export type SlackTarget =
  | { kind: 'bot'; tokenParameter: string; channel: string; apiUrl?: string }
  | { kind: 'webhook'; webhookParameter: string };

export interface SlackSettings {
  target: SlackTarget;
  filter: NotifyFilter;
}

/** Parameters and settings from the environment; undefined when Slack is not configured. */
export const slackSettingsFrom = (env: Record<string, string | undefined>): SlackSettings | undefined => {
  const tokenParameter = env.ALERTWARDEN_SLACK_TOKEN_PARAMETER?.trim();
  const webhookParameter = env.ALERTWARDEN_SLACK_WEBHOOK_PARAMETER?.trim();
  if (!tokenParameter && !webhookParameter) return undefined;
  const filter = filterFromEnv(env, 'SLACK', 'low');
  if (tokenParameter) {
    const channel = env.ALERTWARDEN_SLACK_CHANNEL?.trim();
    if (!channel) throw new ConfigError('ALERTWARDEN_SLACK_CHANNEL: required with ALERTWARDEN_SLACK_TOKEN_PARAMETER (a channel id such as C0123456789)');
    const apiUrl = env.ALERTWARDEN_SLACK_API_URL?.trim();
    if (apiUrl && !/^https?:\/\//.test(apiUrl)) throw new ConfigError('ALERTWARDEN_SLACK_API_URL: must be an http(s) URL');
    return { target: { kind: 'bot', tokenParameter, channel, ...(apiUrl ? { apiUrl } : {}) }, filter };
  }
  return { target: { kind: 'webhook', webhookParameter: webhookParameter! }, filter };
};
