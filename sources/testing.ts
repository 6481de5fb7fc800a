/** Fixture loading for the adapters' tests: `fixture('guardduty', 'raw-port-probe.json')`. */
import { readFileSync } from 'node:fs';

export const fixture = (source: string, name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./${source}/fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
