/**
 * greynoise (opt-in): the GreyNoise Community API (`GET /v3/community/{ip}`): is this address
 * internet background noise (a mass scanner) or a known business service (RIOT), and how does
 * GreyNoise classify it? Off unless an API key parameter is configured
 * (ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER, an SSM SecureString name read through the secrets
 * port). Shares the per-report budget setting with abuseipdb; 429/5xx retried after
 * Retry-After. A 404 is GreyNoise's "not observed": no finding.
 */
import * as z from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { defineInspector, type Inspector } from '../../core/plugins.ts';
import type { FindingVerdict } from '../../core/report.ts';
import type { SecretReader } from '../../core/secrets.ts';
import type { InspectionBudget } from '../../core/store.ts';
import { budgetPerReportFromEnv } from '../abuseipdb/index.ts';
import { publicAddressOf } from '../common/address-scope.ts';
import { intelHttp, IntelError, type IntelHttpOptions } from '../common/http.ts';
import { cleanText } from '../common/text.ts';

export const GREYNOISE_KEY_ENV = 'ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER';
export const GREYNOISE_URL_ENV = 'ALERTWARDEN_GREYNOISE_URL';
const DEFAULT_URL = 'https://api.greynoise.io';

const CommunityResponse = z.object({
  ip: z.string(),
  noise: z.boolean(),
  riot: z.boolean(),
  classification: z.string().optional(),
  name: z.string().optional(),
  link: z.string().optional(),
  last_seen: z.string().optional(),
  message: z.string().optional(),
});

export interface GreyNoiseInspectorOptions {
  keyParameter: string;
  secrets: SecretReader;
  budget: InspectionBudget;
  budgetPerReport?: number;
  baseUrl?: string;
  http?: Omit<IntelHttpOptions, 'service'>;
}

const verdictOf = (r: z.output<typeof CommunityResponse>): FindingVerdict =>
  r.classification === 'malicious' ? 'malicious' : r.riot || r.classification === 'benign' ? 'safe' : 'info';

/**
 * @example
 * const greynoise = createGreyNoiseInspector({ keyParameter: '/alertwarden/prod/greynoise-key', secrets, budget: store });
 */
export const createGreyNoiseInspector = (options: GreyNoiseInspectorOptions): Inspector => {
  const base = new URL(options.baseUrl ?? DEFAULT_URL);
  const limit = options.budgetPerReport ?? 20;
  const http = intelHttp({ service: 'greynoise', ...options.http });
  return defineInspector({
    name: 'greynoise',
    accepts: ['ipaddr'],
    async inspect(attribute, ctx) {
      const address = publicAddressOf(attribute.value);
      if (!address) return { findings: [] };
      if (!(await options.budget.takeBudget(ctx.reportId, 'greynoise', limit))) {
        ctx.logger.warn('greynoise: per-report lookup budget spent', { reportId: ctx.reportId, limit });
        return { findings: [{ verdict: 'info', title: `not looked up: the report's ${limit} GreyNoise lookups are spent`, source: 'greynoise' }] };
      }
      const key = await options.secrets.read(options.keyParameter);
      const url = new URL(`/v3/community/${encodeURIComponent(address)}`, base);
      const { status, body } = await http.getJson(url.href, { key, Accept: 'application/json' }, ctx.signal);
      if (status === 404) return { findings: [] };
      const parsed = CommunityResponse.safeParse(body);
      if (!parsed.success) throw new IntelError(`greynoise answered with an unexpected shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      const r = parsed.data;
      const classification = cleanText(r.classification ?? 'unknown', 40);
      const what = r.riot ? `a known business service${r.name ? ` (${cleanText(r.name)})` : ''}` : r.noise ? `an internet scanner, classified ${classification}` : `classified ${classification}`;
      return {
        findings: [
          {
            verdict: verdictOf(r),
            title: `GreyNoise: ${what}${r.last_seen ? `, last seen ${cleanText(r.last_seen, 40)}` : ''}`,
            source: 'greynoise',
            detail: { noise: r.noise, riot: r.riot, classification: r.classification, name: r.name, lastSeen: r.last_seen, link: r.link },
          },
        ],
      };
    },
  });
};

/** Undefined (the inspector is off) when no key parameter is configured. */
export const greyNoiseInspectorFromEnv = (env: Record<string, string | undefined>, deps: { secrets?: SecretReader; budget?: InspectionBudget }): Inspector | undefined => {
  const keyParameter = env[GREYNOISE_KEY_ENV]?.trim();
  if (!keyParameter) return undefined;
  if (!deps.secrets || !deps.budget) throw new ConfigError('greynoise needs the secrets port and the report store');
  const budgetPerReport = budgetPerReportFromEnv(env);
  const baseUrl = env[GREYNOISE_URL_ENV]?.trim();
  return createGreyNoiseInspector({
    keyParameter,
    secrets: deps.secrets,
    budget: deps.budget,
    ...(budgetPerReport !== undefined ? { budgetPerReport } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  });
};
