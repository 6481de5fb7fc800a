import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { MemoryReportStore } from '../../adapters/memory-store.ts';
import type { Alert } from '../alert.ts';
import { loadConfig } from '../config.ts';
import { CountingMetrics } from '../metrics.ts';
import type { RoundInput } from '../store.ts';
import { ingestAlerts, MAX_WINDOWS_SEEN } from './ingest.ts';

const T0 = Date.UTC(2026, 10, 30, 12);
const HOUR = 3_600_000;

const alert = (key: string, n: number): Alert => ({
  detector: 'unit',
  rule_id: 'windows',
  alert_key: key,
  timestamp: new Date(T0 + n).toISOString(),
  attributes: [{ type: 'ipaddr', key: 'remote', value: '192.0.2.1', context: [] }],
});

/** A memory store that counts window lookups and the alert ids each one asked for. */
const setup = () => {
  const store = new MemoryReportStore();
  const lookups: string[][] = [];
  const find = store.findOpenReports.bind(store);
  store.findOpenReports = async (alertIds, nowMs) => {
    lookups.push(alertIds);
    return find(alertIds, nowMs);
  };
  let now = T0;
  const started: RoundInput[] = [];
  const deps = {
    store,
    starter: { start: async (_name: string, input: RoundInput) => void started.push(input) },
    config: loadConfig({ ALERTWARDEN_TABLE: 't', ALERTWARDEN_BUCKET: 'b', ALERTWARDEN_AGGREGATION_WINDOW_SECONDS: '3600' }),
    now: () => now,
    metrics: new CountingMetrics(),
  };
  return { store, lookups, deps, started, setNow: (ms: number) => (now = ms) };
};

describe('ingest remembers window pointers until their windows end', () => {
  test('a batch of known alert ids skips the lookup; a new id is looked up alone; an ended window is looked up and replaced', async () => {
    const { lookups, deps, setNow } = setup();
    const [first] = await ingestAlerts([alert('a', 1), alert('b', 2)], deps);
    assert.equal(lookups.length, 1, 'the first batch looks its windows up');
    const [again, other] = await ingestAlerts([alert('a', 3), alert('c', 4)], deps);
    assert.deepEqual(lookups.length, 2);
    assert.equal(lookups[1]!.length, 1, 'only the unknown alert id is looked up');
    assert.ok(first && again && other && !('failed' in first) && !('failed' in again) && !('failed' in other));
    assert.equal(again.reportId, first.reportId, 'the remembered window is the report the alert joins');
    await ingestAlerts([alert('a', 5), alert('b', 6), alert('c', 7)], deps);
    assert.equal(lookups.length, 2, 'every alert id known: no lookup at all');

    setNow(T0 + HOUR + 1);
    const [late] = await ingestAlerts([alert('a', 8)], deps);
    assert.equal(lookups.length, 3, 'an ended window is looked up again');
    assert.ok(late && !('failed' in late));
    assert.notEqual(late.reportId, first.reportId, 'and the alert opens the next report');
  });

  test('memory stays bounded: past the limit the least recently seen windows are forgotten', async () => {
    const { store, lookups, deps } = setup();
    const ids = Array.from({ length: MAX_WINDOWS_SEEN + 5 }, (_, i) => `k${i}`);
    for (let i = 0; i < ids.length; i += 500) await ingestAlerts(ids.slice(i, i + 500).map((k, j) => alert(k, i + j)), deps);
    lookups.length = 0;
    await ingestAlerts([alert('k0', 1)], deps);
    assert.equal(lookups.length, 1, 'the oldest window was forgotten and is looked up again');
    await ingestAlerts([alert(ids.at(-1)!, 2)], deps);
    assert.equal(lookups.length, 1, 'the newest one is still known');
    assert.equal((await store.listReportIds()).length, ids.length, 'forgetting a window never opened a second report for it');
  });
});

describe('a batch opens its new windows at once', () => {
  /** openWindow held until released, so the test sees how many the batch has made at once. */
  const holdOpenings = (store: MemoryReportStore, failFor?: string) => {
    const open = store.openWindow.bind(store);
    const held: (() => void)[] = [];
    let inFlight = 0;
    let mostAtOnce = 0;
    let settled = 0;
    store.openWindow = async (input) => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await new Promise<void>((release) => held.push(release));
      inFlight--;
      settled++;
      if (input.alert.alert_key === failFor) {
        failFor = undefined; // once: the redelivery opens it
        throw new Error(`openWindow failed for ${input.alert.alert_key}`);
      }
      return open(input);
    };
    return {
      get mostAtOnce() {
        return mostAtOnce;
      },
      get settled() {
        return settled;
      },
      /** Releases the held openings one at a time, in the order they were made, until the batch settles. */
      releaseUntil: async (batch: Promise<unknown>) => {
        let done = false;
        void batch.finally(() => (done = true));
        while (!done) {
          held.shift()?.();
          await new Promise((r) => setImmediate(r));
        }
      },
    };
  };

  test('three new alert ids: three conditional writes in flight together, each report opened once', async () => {
    const { store, deps } = setup();
    const openings = holdOpenings(store);
    const batch = ingestAlerts([alert('a', 1), alert('b', 2), alert('c', 3), alert('a', 4)], deps);
    await openings.releaseUntil(batch);
    const outcomes = await batch;
    assert.equal(openings.mostAtOnce, 3, `window writes in flight at once: ${openings.mostAtOnce}`);
    assert.equal(outcomes.filter((o) => 'failed' in o).length, 0);
    assert.equal((await store.listReportIds()).length, 3);
  });

  test('one opening fails: the batch fails for every alert, only after every opening has settled', async () => {
    const { store, deps } = setup();
    const openings = holdOpenings(store, 'b');
    const batch = ingestAlerts([alert('a', 1), alert('b', 2), alert('c', 3)], deps);
    await openings.releaseUntil(batch);
    const outcomes = await batch;
    assert.equal(openings.settled, 3, `openings settled when the batch returned: ${openings.settled}`);
    assert.deepEqual(
      outcomes.map((o) => ('failed' in o ? String((o.failed as Error).message) : 'ingested')),
      ['openWindow failed for b', 'openWindow failed for b', 'openWindow failed for b'],
    );
    // The redelivery joins the windows the batch did open (their reports' states are written now) and opens b's.
    const redelivery = ingestAlerts([alert('a', 1), alert('b', 2), alert('c', 3)], deps);
    await openings.releaseUntil(redelivery);
    const again = await redelivery;
    assert.equal(again.filter((o) => 'failed' in o).length, 0);
    assert.equal((await store.listReportIds()).length, 3, 'no report opened twice');
  });
});
