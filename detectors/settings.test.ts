import { expect, test } from 'vitest';
import { DEFAULT_FLOW_LOG_FORMAT, loadDetectorSettings } from './settings.ts';

test('defaults, overrides, and errors that name the variable', () => {
  expect(loadDetectorSettings({})).toMatchObject({ ingressAllowedPorts: [80, 443], outboundAllowedPorts: [53, 80, 123, 443], flowLogFormat: DEFAULT_FLOW_LOG_FORMAT });
  expect(loadDetectorSettings({ ALERTWARDEN_FLOW_LOG_FORMAT: '${version} ${srcaddr} ${dstaddr}' }).flowLogFormat).toEqual(['version', 'srcaddr', 'dstaddr']);
  expect(() => loadDetectorSettings({ ALERTWARDEN_DETECT_INGRESS_ALLOWED_PORTS: '22,ssh' })).toThrow('ALERTWARDEN_DETECT_INGRESS_ALLOWED_PORTS: must be port numbers 0-65535, comma-separated');
  expect(() => loadDetectorSettings({ ALERTWARDEN_DETECT_INTERNAL_CIDRS: '10.0.0.0/33' })).toThrow('ALERTWARDEN_DETECT_INTERNAL_CIDRS: must be CIDRs like 10.0.0.0/8');
  expect(() => loadDetectorSettings({ ALERTWARDEN_DETECT_INGRESS_EXEMPT_GROUPS: 'web' })).toThrow('ALERTWARDEN_DETECT_INGRESS_EXEMPT_GROUPS: must be security group ids');
});
