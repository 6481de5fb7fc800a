/** E-mail settings from the environment, checked at start without loading the SES client. */
import { ConfigError } from '../../core/errors.ts';
import { SEVERITIES, type Severity } from '../../core/report.ts';
import { filterFromEnv, type NotifyFilter } from '../notify.ts';

export interface EmailSettings {
  from: string;
  /** Each list gets the reports at or above its severity (ALERTWARDEN_EMAIL_TO_<SEVERITY>). */
  recipients: Partial<Record<Severity, string[]>>;
  configurationSet?: string;
  filter: NotifyFilter;
}

// Deliberately plain: SES validates addresses fully; this catches a typo in a list at deploy time.
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export const emailSettingsFrom = (env: Record<string, string | undefined>): EmailSettings | undefined => {
  const from = env.ALERTWARDEN_EMAIL_FROM?.trim();
  if (!from) return undefined;
  if (!ADDRESS.test(from)) throw new ConfigError('ALERTWARDEN_EMAIL_FROM: must be an e-mail address of a verified SES identity');
  const recipients: Partial<Record<Severity, string[]>> = {};
  for (const severity of SEVERITIES) {
    const name = `ALERTWARDEN_EMAIL_TO_${severity.toUpperCase()}`;
    const list = (env[name] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    const bad = list.findIndex((a) => !ADDRESS.test(a));
    if (bad >= 0) throw new ConfigError(`${name}[${bad}]: not an e-mail address`);
    if (list.length) recipients[severity] = list;
  }
  if (Object.keys(recipients).length === 0) throw new ConfigError('ALERTWARDEN_EMAIL_TO_<SEVERITY>: at least one recipient list is required with ALERTWARDEN_EMAIL_FROM');
  const configurationSet = env.ALERTWARDEN_EMAIL_CONFIGURATION_SET?.trim();
  return { from, recipients, ...(configurationSet ? { configurationSet } : {}), filter: filterFromEnv(env, 'EMAIL', 'low') };
};
