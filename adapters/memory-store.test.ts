import { describeRoundLifecycleContract } from './rounds.contract.ts';
import { describeStoreContract } from './store.contract.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { jsonCopy, MemoryReportArchive, MemoryReportStore } from './memory-store.ts';

describeStoreContract('in memory', async ({ now }) => ({
  store: new MemoryReportStore({ now, recordSightings: true }),
  storeWithoutSightings: new MemoryReportStore({ now }),
  archive: new MemoryReportArchive(),
  stop: async () => undefined,
}));

describeRoundLifecycleContract('in memory', async ({ roundDeadlineMs, now }) => ({ store: new MemoryReportStore({ roundDeadlineMs, now }), stop: async () => undefined }));

describe('jsonCopy', () => {
  const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  const odd = {
    text: 'a\u2028b',
    nested: { list: [1, undefined, null, Number.NaN, -0, Infinity, { deep: [true, false] }], gone: undefined, fn: () => 1 },
    at: new Date(Date.UTC(2026, 10, 30)),
    withToJson: { toJSON: () => ({ shown: 'instead' }) },
    empty: {},
    ['__proto__']: { polluted: true },
    constructor: 'kept',
  };
  Object.defineProperty(odd, '__proto__', { value: { polluted: true }, enumerable: true });

  test('gives what a JSON round trip gives: dropped members, nulls, toJSON, own __proto__ and constructor keys', () => {
    const copied = jsonCopy(odd);
    assert.deepEqual(copied, roundTrip(odd));
    assert.equal(JSON.stringify(copied), JSON.stringify(roundTrip(odd)));
    assert.equal(Object.getPrototypeOf(copied), Object.prototype, 'the __proto__ key did not become the prototype');
    assert.deepEqual(Object.getOwnPropertyDescriptor(copied, '__proto__')?.value, { polluted: true });
  });

  test('shares nothing with the original', () => {
    const original = { a: { b: [{ c: 1 }] } };
    const copied = jsonCopy(original);
    copied.a.b[0]!.c = 2;
    assert.equal(original.a.b[0]!.c, 1);
  });
});
