/**
 * The tester stack's inspector (deepalert's integration tests ship a "test inspector" too):
 * deterministic answers for marked test values, so an integration run can prove inspection,
 * discovery and re-inspection of discovered attributes on a deployed stage with no threat feed.
 *
 * Deployed as a Lambda of the tester stack (functions/inspector.ts) and named by the main stack's
 * `externalInspectors` param on stage `it`: the same extension point any external inspector uses.
 * Locally, tester/local-target.ts registers the same handler as the runtime's function of that name.
 */
import { createHash } from 'node:crypto';
import { defineInspector, type Inspector } from '../core/plugins.ts';

export const TESTER_INSPECTOR = 'tester';
/** Under the reserved `.example` TLD: never a real name, whatever a test publishes. */
export const TESTER_DOMAIN = 'tester.alertwarden.example';
export const SUSPICIOUS_LABEL = 'suspicious';
export const MALICIOUS_LABEL = 'malicious';
/** Discovered addresses come from TEST-NET-1 (RFC 5737), which nothing real uses. */
const DISCOVERY_PREFIX = '192.0.2.';

/** `<anything>.suspicious.tester.alertwarden.example` -> a suspicious finding, and so on. */
export const testerDomain = (label: typeof SUSPICIOUS_LABEL | typeof MALICIOUS_LABEL, id: string): string =>
  `${id}.${label}.${TESTER_DOMAIN}`.toLowerCase();

/** The address a marked domain "resolves" to: stable per domain, so reruns find the same one. */
export const discoveredAddressOf = (domain: string): string =>
  `${DISCOVERY_PREFIX}${(createHash('sha256').update(domain).digest()[0]! % 254) + 1}`;

const markOf = (domain: string): string | undefined => {
  const suffix = `.${TESTER_DOMAIN}`;
  if (!domain.toLowerCase().endsWith(suffix)) return undefined;
  return domain.slice(0, -suffix.length).split('.').at(-1)?.toLowerCase();
};

/**
 * @example
 * const inspector = createTesterInspector();
 * await runInspector(inspector, { type: 'domain', key: 'q', value: testerDomain('suspicious', 'run1') });
 */
export const createTesterInspector = (): Inspector =>
  defineInspector({
    name: TESTER_INSPECTOR,
    accepts: ['domain', 'ipaddr'],
    inspect(attribute) {
      if (attribute.type === 'ipaddr') {
        if (!attribute.value.startsWith(DISCOVERY_PREFIX)) return { findings: [] };
        return { findings: [{ verdict: 'info', title: 'tester: address discovered by the tester inspector', source: 'tester' }] };
      }
      const mark = markOf(attribute.value);
      if (mark !== SUSPICIOUS_LABEL && mark !== MALICIOUS_LABEL) return { findings: [] };
      return {
        findings: [{ verdict: mark, title: `tester: domain marked ${mark}`, source: 'tester' }],
        newAttributes: [{ type: 'ipaddr', key: `resolved ${attribute.value}`, value: discoveredAddressOf(attribute.value), context: ['remote'] }],
      };
    },
  });
