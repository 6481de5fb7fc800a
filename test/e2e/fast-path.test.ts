/**
 * Urgent reports page at once: emitted after the first inspection, before the aggregation
 * wait, then updated (same report id) after the final review. Waits here are 3 s.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, test } from 'vitest';
import { defineEmitter } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';
import { describeChange } from '../../core/summary.ts';
import { LocalRuntime } from '../../local/runtime.ts';

const WAIT_SECONDS = 3;
let runtime: LocalRuntime;
let outDir: string;
const received: { report: Report; at: number }[] = [];
const recorder = defineEmitter({
  name: 'recorder',
  emit: (report) => {
    received.push({ report, at: performance.now() });
    return { status: 'delivered' };
  },
});

const receivedFor = (key: string) => received.filter((r) => r.report.alert_key === key);

/** Stands in for quarantine: acts, so it must never see a preliminary verdict. */
const acted: Report[] = [];
const actor = defineEmitter({
  name: 'actor',
  receivesPreliminary: false,
  emit: (report) => {
    acted.push(report);
    return { status: 'delivered' };
  },
});
const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
};

const alert = (key: string, ruleId: string, ip: string, second: number) =>
  JSON.stringify({
    detector: 'e2e',
    rule_id: ruleId,
    alert_key: key,
    timestamp: new Date(Date.UTC(2026, 10, 23, 3, 0, second)).toISOString(),
    attributes: [{ type: 'ipaddr', key: 'remote', value: ip, context: ['remote'] }],
  });

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'alertwarden-fast-'));
  runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: String(WAIT_SECONDS),
      ALERTWARDEN_BLOCKLISTS: 'examples/blocklists/known-bad.txt',
      ALERTWARDEN_EMITTERS: 'recorder,actor',
    },
    extraEmitters: [recorder, actor],
  });
});

afterAll(async () => {
  await runtime?.stop();
  await rm(outDir, { recursive: true, force: true });
});

test('a critical alert is emitted before the wait, then once more as the final update with the alerts that joined', async () => {
  const t0 = performance.now();
  await runtime.publish([alert('root-1', 'root-console-login', '192.0.2.1', 0)]);
  assert.ok(await until(() => receivedFor('root-1').length === 1, WAIT_SECONDS * 1000 - 500), 'preliminary emit before the wait ends');
  const [preliminary] = receivedFor('root-1');
  assert.equal(preliminary!.report.phase, 'preliminary');
  assert.equal(preliminary!.report.verdict?.severity, 'critical');
  assert.ok(preliminary!.at - t0 < WAIT_SECONDS * 1000);

  await runtime.publish([1, 2, 3].map((n) => alert('root-1', 'root-console-login', '192.0.2.1', n)));
  await runtime.drain();
  const emitted = receivedFor('root-1');
  assert.equal(emitted.length, 2, 'one preliminary, one final: never a second unrelated notification');
  const final = emitted[1]!;
  assert.equal(final.report.phase, 'final');
  assert.equal(final.report.id, preliminary!.report.id);
  assert.ok(final.at - t0 >= WAIT_SECONDS * 1000, 'the final review waits for aggregation');
  assert.equal(final.report.alerts.length, 4);
  assert.equal(describeChange(final.report), 'unchanged at critical: 3 more alerts aggregated');
  assert.deepEqual(
    acted.filter((r) => r.alert_key === 'root-1').map((r) => r.phase),
    ['final'],
    'an emitter that acts (quarantine) is left out of the preliminary fan-out',
  );
});

test('a low alert reaches the emitters once, after the wait', async () => {
  const t0 = performance.now();
  await runtime.publish([alert('quiet-1', 'port-scan', '192.0.2.99', 0)]);
  await runtime.drain();
  const emitted = receivedFor('quiet-1');
  assert.equal(emitted.length, 1);
  assert.equal(emitted[0]!.report.phase, 'final');
  assert.equal(emitted[0]!.report.verdict?.severity, 'unclassified');
  assert.ok(emitted[0]!.at - t0 >= WAIT_SECONDS * 1000);
});

test('an update whose severity changed says so: high at first, critical once 10 alerts joined', async () => {
  await runtime.publish([alert('tor-1', 'tor-contact', '203.0.113.7', 0)]);
  assert.ok(await until(() => receivedFor('tor-1').length === 1, WAIT_SECONDS * 1000 - 500));
  await runtime.publish(Array.from({ length: 10 }, (_, n) => alert('tor-1', 'tor-contact', '203.0.113.7', n + 1)));
  await runtime.drain();
  const [preliminary, final] = receivedFor('tor-1').map((r) => r.report);
  assert.equal(preliminary?.verdict?.severity, 'high');
  assert.equal(final?.verdict?.severity, 'critical');
  assert.equal(describeChange(final!), 'raised from high to critical: 10 more alerts aggregated');
});
