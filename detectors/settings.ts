/**
 * What a deployment tells its detectors: which ports, protocols and ranges are normal here.
 * Read from ALERTWARDEN_DETECT_* variables (serverless.yml `params:`), parsed once, with
 * errors naming the variable.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { DetectorConfigError } from './errors.ts';
import { ONE_SHOT } from '../core/zod-parse.ts';

export interface DetectorSettings {
  /** Our own address ranges: ingress from them is not exposure; flow-log traffic from them is "ours". */
  internalCidrs: string[];
  /** Ports a security group may open to any address (e.g. a public web tier). */
  ingressAllowedPorts: number[];
  /** Protocols (tcp, udp, icmp, …) those ports apply to; `-1` (all traffic) is never allowed to the world. */
  ingressAllowedProtocols: string[];
  /** Security groups whose ingress changes are reviewed elsewhere (a bastion's, a public NLB's). */
  ingressExemptGroups: string[];
  /** Ports a load-balancer listener may use. */
  listenerAllowedPorts: number[];
  /** IAM user names (globs with *) that may be created without an alert, e.g. ci-*. */
  iamUserAllowlist: string[];
  /** Remote ports our instances may connect out to. */
  outboundAllowedPorts: number[];
  /** Field names of CloudWatch Logs flow-log lines, which carry no header (default: the v2 default format). */
  flowLogFormat: string[];
}

export const DEFAULT_FLOW_LOG_FORMAT = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport',
  'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status',
];

export const DETECTOR_ENV = {
  internalCidrs: 'ALERTWARDEN_DETECT_INTERNAL_CIDRS',
  ingressAllowedPorts: 'ALERTWARDEN_DETECT_INGRESS_ALLOWED_PORTS',
  ingressAllowedProtocols: 'ALERTWARDEN_DETECT_INGRESS_ALLOWED_PROTOCOLS',
  ingressExemptGroups: 'ALERTWARDEN_DETECT_INGRESS_EXEMPT_GROUPS',
  listenerAllowedPorts: 'ALERTWARDEN_DETECT_LISTENER_ALLOWED_PORTS',
  iamUserAllowlist: 'ALERTWARDEN_DETECT_IAM_USER_ALLOWLIST',
  outboundAllowedPorts: 'ALERTWARDEN_DETECT_OUTBOUND_ALLOWED_PORTS',
  flowLogFormat: 'ALERTWARDEN_FLOW_LOG_FORMAT',
} as const;

const list = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === '' ? fallback : s).split(/[\s,]+/).map((x) => x.trim()).filter(Boolean));

const ports = (fallback: string) =>
  list(fallback).pipe(
    z.array(z.string().regex(/^\d{1,5}$/, 'must be port numbers 0-65535, comma-separated').transform(Number).pipe(z.number().max(65535, 'must be port numbers 0-65535'))),
  );

const cidr = z.string().refine((c) => {
  const [address = '', bits, ...rest] = c.split('/');
  const family = isIP(address);
  return family !== 0 && rest.length === 0 && bits !== undefined && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}, 'must be CIDRs like 10.0.0.0/8, comma-separated');

const SettingsSchema = z.object({
  [DETECTOR_ENV.internalCidrs]: list('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7').pipe(z.array(cidr)),
  [DETECTOR_ENV.ingressAllowedPorts]: ports('80,443'),
  [DETECTOR_ENV.ingressAllowedProtocols]: list('tcp').transform((xs) => xs.map((x) => x.toLowerCase())),
  [DETECTOR_ENV.ingressExemptGroups]: list('').pipe(z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be security group ids (sg-…)'))),
  [DETECTOR_ENV.listenerAllowedPorts]: ports('80,443'),
  [DETECTOR_ENV.iamUserAllowlist]: list(''),
  [DETECTOR_ENV.outboundAllowedPorts]: ports('53,80,123,443'),
  [DETECTOR_ENV.flowLogFormat]: z
    .string()
    .optional()
    .transform((s) => (s?.trim() ? s.trim().replace(/\$\{([^}]+)\}/g, '$1').split(/\s+/) : DEFAULT_FLOW_LOG_FORMAT)),
});

/**
 * @example
 * const settings = loadDetectorSettings({ ALERTWARDEN_DETECT_INGRESS_ALLOWED_PORTS: '443' });
 */
export const loadDetectorSettings = (env: Record<string, string | undefined>): DetectorSettings => {
  const parsed = SettingsSchema.safeParse(env, ONE_SHOT);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new DetectorConfigError(`invalid detector settings: ${[...new Set(issues)].join('; ')}`);
  }
  const c = parsed.data;
  return {
    internalCidrs: c[DETECTOR_ENV.internalCidrs],
    ingressAllowedPorts: c[DETECTOR_ENV.ingressAllowedPorts],
    ingressAllowedProtocols: c[DETECTOR_ENV.ingressAllowedProtocols],
    ingressExemptGroups: c[DETECTOR_ENV.ingressExemptGroups],
    listenerAllowedPorts: c[DETECTOR_ENV.listenerAllowedPorts],
    iamUserAllowlist: c[DETECTOR_ENV.iamUserAllowlist],
    outboundAllowedPorts: c[DETECTOR_ENV.outboundAllowedPorts],
    flowLogFormat: c[DETECTOR_ENV.flowLogFormat],
  };
};
