/**
 * npm audit gate (CI, before the tests): fails when a production dependency has a high or
 * critical advisory that audit-allowlist.json does not accept, with a reason, until a date.
 *
 *   node --import tsx scripts/audit.ts [--allow-unreachable]
 *
 * Exit 0: clean (or everything found is allowlisted). 1: blocking advisories or a bad
 * allowlist. 2: the advisory service could not be asked; with --allow-unreachable that is a
 * loud warning and exit 0 instead, for networks that only proxy package downloads.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BLOCKING_SEVERITIES = ['high', 'critical'] as const;

export interface Advisory {
  /** GHSA id when npm gives the advisory URL, else npm's numeric source id. */
  id: string;
  package: string;
  severity: string;
  title: string;
  url?: string;
}

export interface AllowlistEntry {
  id: string;
  package?: string;
  reason: string;
  /** YYYY-MM-DD; past it the entry no longer applies, so accepted risk is revisited. */
  expires?: string;
}

type Via = string | { source?: number; name?: string; title?: string; url?: string; severity?: string };
interface AuditJson {
  auditReportVersion?: number;
  vulnerabilities?: Record<string, { via?: Via[] }>;
  message?: string;
  error?: { summary?: string };
}

/** High and critical advisories of an `npm audit --json` report, once each; undefined when it is not a report. */
export const advisoriesOf = (audit: AuditJson): Advisory[] | undefined => {
  if (audit.auditReportVersion !== 2 || !audit.vulnerabilities) return undefined;
  const found = new Map<string, Advisory>();
  for (const vulnerability of Object.values(audit.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      // A string `via` points at another package's entry, where the advisory itself is listed.
      if (typeof via === 'string' || !BLOCKING_SEVERITIES.includes(via.severity as never)) continue;
      const id = /GHSA(-[0-9a-z]{4}){3}/i.exec(via.url ?? '')?.[0] ?? String(via.source ?? 'unknown');
      const advisory = { id, package: via.name ?? '?', severity: via.severity!, title: via.title ?? '', ...(via.url ? { url: via.url } : {}) };
      found.set(`${id}#${advisory.package}`, advisory);
    }
  }
  return [...found.values()];
};

export const checkAllowlist = (value: unknown): { entries: AllowlistEntry[]; problems: string[] } => {
  const entries = (value as { advisories?: unknown })?.advisories;
  if (!Array.isArray(entries)) return { entries: [], problems: ['audit-allowlist.json must hold { "advisories": [...] }'] };
  const problems: string[] = [];
  entries.forEach((e: Partial<AllowlistEntry>, i) => {
    if (typeof e.id !== 'string' || !e.id) problems.push(`advisories[${i}].id is missing`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 20) problems.push(`advisories[${i}].reason must say why the risk is accepted (20 characters or more)`);
    if (e.expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(e.expires)) problems.push(`advisories[${i}].expires must be YYYY-MM-DD`);
  });
  return { entries: entries as AllowlistEntry[], problems };
};

export const evaluateAudit = (advisories: Advisory[], allowlist: AllowlistEntry[], today: string) => {
  const applies = (e: AllowlistEntry, a: Advisory) => e.id === a.id && (e.package === undefined || e.package === a.package) && !(e.expires && e.expires < today);
  return {
    blocking: advisories.filter((a) => !allowlist.some((e) => applies(e, a))),
    allowed: advisories.filter((a) => allowlist.some((e) => applies(e, a))),
    /** Entries that accept nothing found today: delete them (or they were renamed upstream). */
    stale: allowlist.filter((e) => !advisories.some((a) => e.id === a.id)),
    expired: allowlist.filter((e) => e.expires && e.expires < today),
  };
};

const main = () => {
  const allowUnreachable = process.argv.includes('--allow-unreachable');
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let audit: AuditJson = {};
  try {
    audit = JSON.parse(run.stdout) as AuditJson;
  } catch {
    // handled below as "not a report"
  }
  const advisories = advisoriesOf(audit);
  if (!advisories) {
    const why = audit.message ?? audit.error?.summary ?? (run.stderr.trim().split('\n').at(-1) || 'no report');
    console.log(`audit: NOT CHECKED: npm audit got no advisory report (${why}).`);
    if (allowUnreachable) {
      console.log('audit: continuing because of --allow-unreachable; run `npm run audit` where the registry answers audits.');
      return 0;
    }
    return 2;
  }
  const { entries, problems } = checkAllowlist(JSON.parse(readFileSync(new URL('../audit-allowlist.json', import.meta.url), 'utf8')));
  const result = evaluateAudit(advisories, entries, new Date().toISOString().slice(0, 10));
  for (const p of problems) console.log(`audit: allowlist: ${p}`);
  for (const a of result.allowed) console.log(`audit: allowed ${a.severity} ${a.id} in ${a.package}: ${a.title}`);
  for (const e of result.expired) console.log(`audit: allowlist entry ${e.id} expired on ${e.expires}`);
  for (const e of result.stale) console.log(`audit: allowlist entry ${e.id} matches nothing any more; remove it`);
  for (const a of result.blocking) console.log(`audit: BLOCKING ${a.severity} ${a.id} in ${a.package}: ${a.title} ${a.url ?? ''}`);
  console.log(`audit: ${advisories.length} high/critical advisories in production dependencies, ${result.blocking.length} blocking`);
  return result.blocking.length || problems.length ? 1 : 0;
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
