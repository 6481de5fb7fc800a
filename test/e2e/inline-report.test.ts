/**
 * The reviewed report reaches the emitters in the round's own data when it is small enough
 * (ALERTWARDEN_INLINE_REPORT_MAX_BYTES, core/config.ts): no emit task reads back from S3 the
 * version the review just archived. A larger report is read from S3, as every report was
 * before. Either way each emitter gets exactly the archived version. The memory store, whose
 * archive reads back for free, hands on nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { INLINE_REPORT_MAX_BYTES } from '../../core/config.ts';
import { emitReport } from '../../core/pipeline/emission.ts';
import { defineEmitter } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';
import { LocalRuntime } from '../../local/runtime.ts';

let runtime: LocalRuntime;
let outDir: string;
const received: Report[] = [];
const gets: string[] = [];

const recorder = (name: string) =>
  defineEmitter({
    name,
    emit: (report) => {
      received.push(structuredClone(report));
      return { status: 'delivered' };
    },
  });

const alertsFor = (key: string, count: number, description: string) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      detector: 'inline-test',
      rule_id: 'scanner-contact',
      alert_key: key,
      description,
      timestamp: new Date(Date.UTC(2026, 10, 23, 0, 0, i)).toISOString(),
      attributes: [{ type: 'ipaddr', key: 'remote', value: `198.51.100.${i + 1}`, context: ['remote'] }],
    }),
  );

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'alertwarden-inline-report-'));
  runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0',
      ALERTWARDEN_EMITTERS: 'first,second',
      ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'reports.jsonl'),
    },
    extraEmitters: [recorder('first'), recorder('second')],
  });
  runtime.clients.s3.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: { input: { Key?: string } }) => {
      if (context.commandName === 'GetObjectCommand') gets.push(String(args.input.Key));
      return next(args);
    }) as never,
    { step: 'initialize', name: 'inlineReportTestGets' },
  );
});

afterAll(async () => {
  await runtime?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const emittedAndArchived = async (alertKey: string) => {
  const [view] = (await runtime.reports()).filter((v) => v.report.alert_key === alertKey);
  assert.ok(view, `a report for ${alertKey}`);
  const emitted = received.filter((r) => r.id === view.report.id);
  const archived = await runtime.deps.archive.get(view.report.id, view.report.version);
  return { view, emitted, archived, size: Buffer.byteLength(JSON.stringify(archived)) };
};

test('a small report goes to every emitter without a read from S3, and is the archived version', async () => {
  gets.length = 0;
  await runtime.publish(alertsFor('small-host', 3, 'a short description'));
  await runtime.drain();
  const readsDuringRun = [...gets];
  const { emitted, archived, size } = await emittedAndArchived('small-host');
  assert.ok(size <= INLINE_REPORT_MAX_BYTES, `the small report is ${size} bytes`);
  assert.deepEqual(readsDuringRun, [], `S3 GetObject during the run of a ${size}-byte report: ${readsDuringRun.join(', ')}`);
  assert.equal(emitted.length, 2, 'one delivery per emitter');
  for (const report of emitted) assert.deepEqual(report, archived);
});

test('a report over the limit is read from S3 by each emitter, and is the archived version', async () => {
  gets.length = 0;
  await runtime.publish(alertsFor('large-host', 40, 'x'.repeat(1500)));
  await runtime.drain();
  const readsDuringRun = [...gets];
  const { view, emitted, archived, size } = await emittedAndArchived('large-host');
  assert.ok(size > INLINE_REPORT_MAX_BYTES, `the large report is ${size} bytes`);
  const ownReads = readsDuringRun.filter((key) => key.includes(view.report.id));
  assert.equal(ownReads.length, 2, `S3 GetObject of the ${size}-byte report during the run: ${ownReads.join(', ')}`);
  assert.equal(emitted.length, 2, 'one delivery per emitter');
  for (const report of emitted) assert.deepEqual(report, archived);
});

test('a handed-on report is used only for its own id and version: any other is read from S3', async () => {
  await runtime.publish(alertsFor('guard-host', 2, 'first version'));
  await runtime.drain();
  await runtime.publish(alertsFor('guard-host', 4, 'second version').slice(2));
  await runtime.drain();
  const { view } = await emittedAndArchived('guard-host');
  const latest = await runtime.deps.archive.get(view.report.id, view.report.version);
  const earlier = await runtime.deps.archive.get(view.report.id, view.report.version - 1);
  assert.notDeepEqual(earlier.alerts.length, latest.alerts.length, 'two versions that differ');
  // A fresh emitter each time: an emitter that already delivered a version is skipped before it sees a report.
  const emitWith = async (name: string, handedOn: Report) => {
    const seen: Report[] = [];
    const emitter = defineEmitter({ name, emit: (report) => (seen.push(structuredClone(report)), { status: 'delivered' }) });
    gets.length = 0;
    await emitReport(
      { reportId: view.report.id, version: view.report.version, emitter: name, report: handedOn },
      { ...runtime.deps, plugins: { ...runtime.deps.plugins, emitters: [emitter] } },
    );
    return { seen, reads: gets.filter((key) => key.includes(view.report.id)).length };
  };
  const other = { version: await emitWith('guard-version', earlier), id: await emitWith('guard-id', { ...latest, id: 'another-report' }), own: await emitWith('guard-own', latest) };
  assert.deepEqual(other.version.seen, [latest], `an earlier version handed on (${other.version.reads} S3 reads)`);
  assert.equal(other.version.reads, 1);
  assert.deepEqual(other.id.seen, [latest], `another report's id handed on (${other.id.reads} S3 reads)`);
  assert.equal(other.id.reads, 1);
  assert.deepEqual(other.own.seen, [latest], `its own version handed on (${other.own.reads} S3 reads)`);
  assert.equal(other.own.reads, 0);
});

test('the memory store hands on no report: its emitters read the archived version back, for free', async () => {
  const carried: unknown[] = [];
  const memory = await LocalRuntime.start({
    storage: 'memory',
    env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0', ALERTWARDEN_EMITTERS: 'first', ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'memory.jsonl') },
    extraEmitters: [recorder('first')],
    onStateEntered: (workflow, state, input) => {
      if (workflow === 'express' && state === 'ShouldEmit') carried.push((input as { review: { Payload: { report: unknown } } }).review.Payload.report);
    },
  });
  try {
    await memory.publish(alertsFor('memory-host', 2, 'a short description'));
    await memory.drain();
    const [view] = await memory.reports();
    assert.ok(view, 'a report');
    assert.deepEqual(carried, [null], 'what the memory store\'s round carried to its emitters');
    const emitted = received.filter((r) => r.id === view.report.id);
    assert.equal(emitted.length, 1);
    assert.deepEqual(emitted[0], await memory.deps.archive.get(view.report.id, view.report.version));
  } finally {
    await memory.stop();
  }
});
