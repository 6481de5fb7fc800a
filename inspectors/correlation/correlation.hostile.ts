/**
 * Hostile cases of the correlation inspector (test/corpus/corpus.test.ts runs it enabled): a
 * value seen before, written another way, must still be recognised; a value shaped like the
 * table's own keys must stay a value.
 */
import assert from 'node:assert/strict';
import { attributeWith, hostileCase, neutralised, type NeutralisedView } from '../../test/corpus/registry.ts';

/** Every valid alert of the corpus carries 192.0.2.1, in reports of their own. */
const correlatedWithValidAlerts = (value: string) =>
  neutralised(({ report }: NeutralisedView) => {
    const found = report.findings.filter((f) => f.inspector === 'correlation' && f.attribute.value === value);
    assert.equal(found.length, 1, `correlation findings for ${value}: ${JSON.stringify(found)}`);
    const earlier = found[0]!.detail?.reports as { rule_id: string; reportId: string }[];
    assert.ok(earlier.some((r) => r.rule_id === 'valid'), `earlier reports ${JSON.stringify(earlier)}`);
    assert.ok(earlier.every((r) => r.reportId !== report.id), 'the report itself is not an earlier report');
  });

hostileCase({ name: 'correlation: an address seen before, written as IPv4-mapped IPv6', input: attributeWith({ type: 'ipaddr', value: '::ffff:192.0.2.1' }), expect: correlatedWithValidAlerts('::ffff:192.0.2.1') });
hostileCase({ name: 'correlation: an address seen before, written as NAT64 IPv6', input: attributeWith({ type: 'ipaddr', value: '64:ff9b::c000:201' }), expect: correlatedWithValidAlerts('64:ff9b::c000:201') });
hostileCase({
  name: "correlation: a user name shaped like the table's sort keys is only ever a value",
  input: attributeWith({ type: 'username', value: 'SEEN#2099-01-01T00:00:00.000Z#x' }),
  expect: neutralised(({ report }) => {
    assert.deepEqual(report.inspectionFailures.filter((f) => f.inspector === 'correlation'), []);
    assert.deepEqual(report.findings.filter((f) => f.inspector === 'correlation'), [], 'nothing else was ever seen under that name');
  }),
});
