import { describe, expect, test } from 'vitest';
import { parseBlocklist } from '../../../inspectors/blocklist/parse.ts';
import { createDetectors } from '../../index.ts';
import { readFlowLogLines } from '../../input.ts';
import { DEFAULT_FLOW_LOG_FORMAT, loadDetectorSettings } from '../../settings.ts';
import type { FlowLogRecord } from '../format.ts';
import blocklistedAddress from './blocklisted-address.ts';

const LINE = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.9 20641 443 6 20 4249 1418530010 1418530070 ACCEPT OK';

/** The record with its address reads counted. */
const counted = (record: FlowLogRecord) => {
  const reads = { srcaddr: 0, dstaddr: 0 };
  const spy = new Proxy(record, {
    get: (target, key, receiver) => {
      if (key === 'srcaddr' || key === 'dstaddr') reads[key]++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { spy, reads };
};

describe('flowlog-blocklisted-address', () => {
  const record = readFlowLogLines([LINE], 't', DEFAULT_FLOW_LOG_FORMAT).records[0]!;
  const settings = loadDetectorSettings({});

  test('with no blocklist loaded it reads no address of the line', () => {
    const { context } = createDetectors({ settings });
    const { spy, reads } = counted(record);
    const matched = blocklistedAddress.match(spy, context);
    expect({ matched, reads }).toEqual({ matched: false, reads: { srcaddr: 0, dstaddr: 0 } });
  });

  test('with a list loaded it reads the addresses and matches the listed end', () => {
    const { context } = createDetectors({ settings, blocklists: [parseBlocklist('203.0.113.0/24\n', 'scanners', 'mem')] });
    const { spy, reads } = counted(record);
    const matched = blocklistedAddress.match(spy, context);
    expect(matched).toBe(true);
    expect(reads.dstaddr).toBeGreaterThan(0);
    expect(blocklistedAddress.alertKey(record, context)).toBe('eni-1235b8ca123456789:203.0.113.9');
  });
});
