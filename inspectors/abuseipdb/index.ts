/**
 * abuseipdb (opt-in): the AbuseIPDB v2 `check` of a public IP: abuse confidence score, report
 * count, last report, ISP, usage type, Tor exit. Off unless an API key is configured, as the
 * NAME of an SSM SecureString parameter (ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER), read through
 * the secrets port. At most ALERTWARDEN_INTEL_BUDGET_PER_REPORT lookups per report (the free
 * plan allows 1,000 checks a day); 429 and 5xx are retried after Retry-After
 * (../common/http.ts). Private and special-purpose addresses are never sent.
 */
import * as z from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { defineInspector, type FindingInput, type Inspector } from '../../core/plugins.ts';
import type { SecretReader } from '../../core/secrets.ts';
import type { InspectionBudget } from '../../core/store.ts';
import { publicAddressOf } from '../common/address-scope.ts';
import { intelHttp, IntelError, type IntelHttpOptions } from '../common/http.ts';
import { cleanText } from '../common/text.ts';

export const ABUSEIPDB_KEY_ENV = 'ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER';
export const ABUSEIPDB_URL_ENV = 'ALERTWARDEN_ABUSEIPDB_URL';
const DEFAULT_URL = 'https://api.abuseipdb.com';

/** The fields of `data` read here (AbuseIPDB APIv2 `GET /api/v2/check`). */
const CheckResponse = z.object({
  data: z.object({
    ipAddress: z.string(),
    isPublic: z.boolean().optional(),
    isWhitelisted: z.boolean().nullable().optional(),
    abuseConfidenceScore: z.number(),
    countryCode: z.string().nullable().optional(),
    usageType: z.string().nullable().optional(),
    isp: z.string().nullable().optional(),
    domain: z.string().nullable().optional(),
    isTor: z.boolean().optional(),
    totalReports: z.number().optional(),
    numDistinctUsers: z.number().optional(),
    lastReportedAt: z.string().nullable().optional(),
  }),
});

export interface AbuseIpdbInspectorOptions {
  /** SSM parameter name of the API key. */
  keyParameter: string;
  secrets: SecretReader;
  budget: InspectionBudget;
  /** Lookups per report (default 20). */
  budgetPerReport?: number;
  baseUrl?: string;
  /** Reports older than this are not counted (AbuseIPDB's maxAgeInDays, default 90). */
  maxAgeInDays?: number;
  http?: Omit<IntelHttpOptions, 'service'>;
}

/** >= 75: most reporters agree it is abusive; >= 25: some do. AbuseIPDB's own UI colours at these marks. */
const verdictOf = (score: number, whitelisted: boolean) => (whitelisted ? 'safe' : score >= 75 ? 'malicious' : score >= 25 ? 'suspicious' : 'info');

/**
 * @example
 * const abuse = createAbuseIpdbInspector({ keyParameter: '/alertwarden/prod/abuseipdb-key', secrets, budget: store });
 */
export const createAbuseIpdbInspector = (options: AbuseIpdbInspectorOptions): Inspector => {
  const base = new URL(options.baseUrl ?? DEFAULT_URL);
  const limit = options.budgetPerReport ?? 20;
  const http = intelHttp({ service: 'abuseipdb', ...options.http });
  return defineInspector({
    name: 'abuseipdb',
    accepts: ['ipaddr'],
    async inspect(attribute, ctx) {
      const address = publicAddressOf(attribute.value);
      if (!address) return { findings: [] };
      if (!(await options.budget.takeBudget(ctx.reportId, 'abuseipdb', limit))) {
        ctx.logger.warn('abuseipdb: per-report lookup budget spent', { reportId: ctx.reportId, limit });
        return { findings: [{ verdict: 'info', title: `not looked up: the report's ${limit} AbuseIPDB lookups are spent`, source: 'abuseipdb' }] };
      }
      const key = await options.secrets.read(options.keyParameter);
      const url = new URL('/api/v2/check', base);
      url.searchParams.set('ipAddress', address);
      url.searchParams.set('maxAgeInDays', String(options.maxAgeInDays ?? 90));
      const { status, body } = await http.getJson(url.href, { Key: key, Accept: 'application/json' }, ctx.signal);
      if (status === 404) return { findings: [] };
      const parsed = CheckResponse.safeParse(body);
      if (!parsed.success) throw new IntelError(`abuseipdb answered with an unexpected shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      const d = parsed.data.data;
      const finding: FindingInput = {
        verdict: verdictOf(d.abuseConfidenceScore, d.isWhitelisted === true),
        title: `AbuseIPDB confidence ${d.abuseConfidenceScore}% (${d.totalReports ?? 0} reports${d.lastReportedAt ? `, last ${cleanText(d.lastReportedAt, 40)}` : ''})${d.isTor ? ', Tor exit' : ''}`,
        source: 'abuseipdb',
        detail: {
          abuseConfidenceScore: d.abuseConfidenceScore,
          totalReports: d.totalReports,
          distinctReporters: d.numDistinctUsers,
          lastReportedAt: d.lastReportedAt,
          countryCode: d.countryCode,
          isp: d.isp,
          domain: d.domain,
          usageType: d.usageType,
          isTor: d.isTor,
          isWhitelisted: d.isWhitelisted,
          link: `https://www.abuseipdb.com/check/${encodeURIComponent(address)}`,
        },
      };
      return { findings: [finding] };
    },
  });
};

export const budgetPerReportFromEnv = (env: Record<string, string | undefined>): number | undefined => {
  const raw = env.ALERTWARDEN_INTEL_BUDGET_PER_REPORT?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new ConfigError(`ALERTWARDEN_INTEL_BUDGET_PER_REPORT: ${JSON.stringify(raw)} is not a whole number from 0 to 1000`);
  return n;
};

/** Undefined (the inspector is off) when no key parameter is configured. */
export const abuseIpdbInspectorFromEnv = (env: Record<string, string | undefined>, deps: { secrets?: SecretReader; budget?: InspectionBudget }): Inspector | undefined => {
  const keyParameter = env[ABUSEIPDB_KEY_ENV]?.trim();
  if (!keyParameter) return undefined;
  if (!deps.secrets || !deps.budget) throw new ConfigError('abuseipdb needs the secrets port and the report store');
  const budgetPerReport = budgetPerReportFromEnv(env);
  const baseUrl = env[ABUSEIPDB_URL_ENV]?.trim();
  return createAbuseIpdbInspector({
    keyParameter,
    secrets: deps.secrets,
    budget: deps.budget,
    ...(budgetPerReport !== undefined ? { budgetPerReport } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  });
};
