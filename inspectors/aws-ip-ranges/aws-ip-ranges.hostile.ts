/**
 * Hostile cases of the aws-ip-ranges inspector: an AWS address in another spelling is still
 * recognised (the bundled snapshot lists 52.0.0.0/15 as EC2 in us-east-1).
 */
import assert from 'node:assert/strict';
import { attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';

const recognised = neutralised(({ report }) =>
  assert.deepEqual(report.findings.filter((f) => f.inspector === 'aws-ip-ranges').map((f) => f.title), ['AWS EC2 address (us-east-1)']),
);

hostileCase({ name: 'aws-ip-ranges: an EC2 address written as IPv4-mapped IPv6', input: attributeWith({ type: 'ipaddr', value: '::ffff:52.1.1.1' }), expect: recognised });
hostileCase({ name: 'aws-ip-ranges: an EC2 address written as NAT64 IPv6', input: attributeWith({ type: 'ipaddr', value: '64:ff9b::3401:101' }), expect: recognised });
