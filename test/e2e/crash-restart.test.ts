/**
 * A local run killed with SIGKILL, twice (mid-ingest, then mid-rounds), and started again on
 * the same state folder: every alert ends in exactly one report, every report is complete
 * (reviewed after its last alert, archived, emitted), and nothing is half-written.
 * The run is the real CLI (`alertwarden run --state DIR`) in a child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Report } from '../../core/report.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { deliveredAlerts, reportAlertMetrics } from '../support/metrics.ts';
import { ended } from '../support/processes.ts';

const ALERTS = 150;
const KEYS = 15;
const BIN = new URL('../../local/bin.mjs', import.meta.url).pathname;
// One inspector, as the kill timings were chosen for (the data inspectors add load time and per-attribute work).
const ENV = { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '1', ALERTWARDEN_EMITTERS: 'file', ALERTWARDEN_INSPECTORS: 'blocklist' };

let dir: string;
let sent: string[] = [];
let runtime: LocalRuntime | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-crash-'));
  const lines = Array.from({ length: ALERTS }, (_, n) =>
    JSON.stringify({
      detector: 'crash',
      rule_id: 'kill-9',
      alert_key: `host-${n % KEYS}`,
      description: `alert ${n}`,
      attributes: [{ type: 'ipaddr', key: 'remote', value: `203.0.113.${n % 50}`, context: ['remote'] }],
    }),
  );
  sent = lines;
  await writeFile(join(dir, 'alerts.jsonl'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await runtime?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Messages the run acknowledged so far, from its queue journal. */
const acknowledged = () => {
  const path = join(dir, 'state', 'queue-outcomes.jsonl');
  if (!existsSync(path)) return 0;
  return new Set(readFileSync(path, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => (JSON.parse(l) as { id: string }).id)).size;
};

const runUntil = async (args: string[], killWhen: () => boolean) => {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'run', '--state', join(dir, 'state'), '--out', join(dir, 'out'), '--json', '--inspectors', ENV.ALERTWARDEN_INSPECTORS, ...args], {
    env: { ...process.env, ...Object.fromEntries(Object.entries(ENV)) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += String(c)));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const deadline = Date.now() + 60_000;
  while (!killWhen() && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', `the run ended by itself before it could be killed: ${stderr}`);
  // The command relays a child that does the work (local/bin.mjs); killed, the command takes it
  // along within a turn of the child's event loop. What comes next must not find it still running.
  const lock = join(dir, 'state', 'alertwarden.lock');
  const worker = existsSync(lock) ? Number.parseInt(readFileSync(lock, 'utf8'), 10) : Number.NaN;
  assert.ok(!Number.isInteger(worker) || (await ended(worker)), `the run (pid ${worker}) outlived its command by 10 s`);
};

test('killed mid-ingest and again mid-rounds, then restarted: no alert lost or doubled, no report half-written', async (t) => {
  await runUntil([join(dir, 'alerts.jsonl'), '--delay', '1'], () => acknowledged() >= ALERTS / 3);
  const afterFirstKill = acknowledged();
  assert.ok(afterFirstKill < ALERTS, 'the first kill came during ingest');

  // Resuming alone (no input): the unacknowledged messages come from the journal. Killed once all are in.
  await runUntil([], () => acknowledged() === ALERTS);

  // The same configuration as the CLI runs had: state folder and file emitter output.
  const rt = await LocalRuntime.start({ env: { ...ENV, ALERTWARDEN_FILE_EMITTER_PATH: join(dir, 'out', 'reports.jsonl') }, stateDir: join(dir, 'state') });
  runtime = rt;
  assert.ok(rt.resumed.rounds > 0, 'the second kill interrupted running rounds, which were resumed');
  await rt.drain();
  // What the file emitter received over the three runs, not what the store holds.
  const emittedText = await readFile(join(dir, 'out', 'reports.jsonl'), 'utf8').catch(() => '');
  const delivery = deliveredAlerts(sent, emittedText.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Report));
  reportAlertMetrics(t, { sent: ALERTS, inReports: delivery.delivered, notes: `killed at ${afterFirstKill}/${ALERTS} acknowledged, then mid-rounds` });
  assert.deepEqual(delivery.lost.slice(0, 5), [], `${delivery.lost.length} of ${ALERTS} alerts are not in the last emitted version of their report`);
  assert.deepEqual(delivery.notFinal, [], 'reports whose last emitted version is not final');
  assert.deepEqual(rt.engine.failures, []);
  assert.equal(rt.deadLetters.length, 0);

  const views = await rt.reports();
  const members = new Map<string, number>();
  for (const { report } of views) for (const a of report.alerts) members.set(a.description!, (members.get(a.description!) ?? 0) + 1);
  assert.equal(views.length, KEYS);
  assert.equal(members.size, ALERTS, 'every alert is a member');
  assert.ok([...members.values()].every((n) => n === 1), 'no alert is a member twice');

  const { store, archive, config } = rt.deps;
  for (const { report, emissions } of views) {
    const state = (await store.getState(report.id))!;
    const snapshot = await store.loadSnapshot(report.id);
    assert.ok(snapshot.alerts.length > 0, `report ${report.id} has its alerts`);
    assert.equal(state.running, false);
    assert.equal(state.dirty, false, 'no alert joined after the last final review');
    assert.equal(report.phase, 'final');
    assert.equal(report.alerts.length, snapshot.alerts.length, 'the archived final version holds every member');
    assert.deepEqual(
      emissions.filter((e) => e.version === report.version).map((e) => [e.emitter, e.status]),
      [['file', 'delivered']],
    );
    // Every archived version that exists is whole: an object is either all there or absent.
    const listed = await rt.clients.s3.send(new ListObjectsV2Command({ Bucket: config.bucketName, Prefix: `reports/${report.id}/` }));
    assert.ok((listed.Contents ?? []).length > 0);
    for (const object of listed.Contents ?? []) {
      const version = Number(/v(\d+)\.json$/.exec(object.Key!)![1]);
      const archived = await archive.get(report.id, version);
      assert.equal(archived.version, version);
    }
  }
  // The file emitter's JSONL, appended by three processes, has no broken line, and every report's last version is in it.
  const lines = (await readFile(join(dir, 'out', 'reports.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const emitted = new Set(lines.map((l) => JSON.parse(l) as Report).map((r) => `${r.id} v${r.version}`));
  for (const { report } of views) assert.ok(emitted.has(`${report.id} v${report.version}`), `${report.id} v${report.version} was written`);
});
