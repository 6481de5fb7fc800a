import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { formatRange, parseIp } from '../../core/ip-address.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import type { AsnTable } from './asn-table.ts';
import { asnSourcesOf, ensureAsnTableFile, loadBundledAsnTable, type AsnCsvFile } from './asn-table-cache.ts';
import { readAsnTableHeader } from './asn-table-file.ts';
import { GeoipError } from './errors.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alertwarden-asn-cache-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const recordingLogger = () => {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const logger: PluginLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { logger, lines };
};

/** Two small CSV files in a folder of their own, and what loading them needs. */
const fixture = async (name: string) => {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  const files: AsnCsvFile[] = [
    { path: join(folder, 'v4.csv'), numbers: 4 },
    { path: join(folder, 'v6.csv'), numbers: 6 },
  ];
  await writeFile(files[0]!.path, '16777216,16777471,13335,"Cloudflare, Inc."\n134744064,134744319,15169,Google LLC\n');
  await writeFile(files[1]!.path, `${0x2606_4700n << 96n},${(0x2606_4700n << 96n) + (1n << 81n) - 1n},13335,"Cloudflare, Inc."\n`);
  const file = join(folder, 'cache', 'geoip-asn.bin');
  const load = (logger: PluginLogger, sources = () => asnSourcesOf(files, 'test 1')) => loadBundledAsnTable({ logger, file, sources });
  return { files, file, load };
};

const answer = (table: AsnTable, ip: string) => {
  const hit = table.lookup(parseIp(ip)!);
  return hit && `AS${hit.asn} ${hit.organisation} ${formatRange(hit.range)}`;
};
const answers = (table: AsnTable) => ['1.0.0.1', '8.8.8.8', '2606:4700::1111', '9.9.9.9'].map((ip) => answer(table, ip));
const EXPECTED = ['AS13335 Cloudflare, Inc. 1.0.0.0/24', 'AS15169 Google LLC 8.8.8.0/24', 'AS13335 Cloudflare, Inc. 2606:4700::/47', undefined];

test('the first load builds the table file from the CSV; later loads read it and leave it as it is', async () => {
  const { file, load } = await fixture('first');
  const first = recordingLogger();
  assert.deepEqual(answers(await load(first.logger)), EXPECTED);
  assert.match(first.lines.join('\n'), /building the ASN table from the CSV/);
  const written = await stat(file);
  const again = recordingLogger();
  assert.deepEqual(answers(await load(again.logger)), EXPECTED);
  assert.deepEqual(again.lines, [], 'a sound, current file is read without a word');
  assert.equal((await stat(file)).mtimeMs, written.mtimeMs, 'and not written again');
});

test('a CSV that changed makes the file stale: rebuilt, and the new rows answer', async () => {
  const { files, file, load } = await fixture('stale');
  await load(recordingLogger().logger);
  const before = readAsnTableHeader(await readFile(file))!.source;
  await appendFile(files[0]!.path, '151587072,151587327,19281,Quad9\n'); // 9.9.9.0/24
  const { logger, lines } = recordingLogger();
  const table = await load(logger);
  assert.match(lines.join('\n'), /\(stale\).*building it again/);
  assert.equal(answer(table, '9.9.9.9'), 'AS19281 Quad9 9.9.9.0/24');
  assert.notEqual(readAsnTableHeader(await readFile(file))!.source, before, 'the rebuilt file carries the new key');
  // So does a new version of the data with the same files.
  const other = recordingLogger();
  await load(other.logger, () => asnSourcesOf(files, 'test 2'));
  assert.match(other.lines.join('\n'), /\(stale\)/);
});

test('a damaged file (a changed byte, cut short, not a table at all) is rebuilt, never answered from', async () => {
  const { file, load } = await fixture('damaged');
  await load(recordingLogger().logger);
  const sound = await readFile(file);
  const damages: [string, Buffer, RegExp][] = [
    ['a byte changed in the middle', Buffer.from(sound.map((b, i) => (i === sound.length >> 1 ? b ^ 0x10 : b))), /checksum mismatch/],
    ['cut short, as by a full disk', sound.subarray(0, sound.length - 9), /wrong length/],
    ['empty', Buffer.alloc(0), /not an ASN table/],
    ['another file', Buffer.from('first,last,asn,organisation\n'.repeat(20)), /not an ASN table/],
  ];
  for (const [what, bytes, problem] of damages) {
    await writeFile(file, bytes);
    const { logger, lines } = recordingLogger();
    assert.deepEqual(answers(await load(logger)), EXPECTED, what);
    assert.match(lines.join('\n'), problem, what);
    assert.ok((await readFile(file)).equals(sound), `${what}: the file is sound again`);
  }
});

test('with no CSV installed (the Lambda package): a sound table is used; a damaged or missing one fails the load with the path', async () => {
  const { files, file, load } = await fixture('packaged');
  await load(recordingLogger().logger);
  const none = async () => undefined;
  assert.deepEqual(answers(await load(recordingLogger().logger, none)), EXPECTED);
  const sound = await readFile(file);
  await writeFile(file, Buffer.from(sound.map((b, i) => (i === 200 ? b ^ 1 : b))));
  await assert.rejects(load(recordingLogger().logger, none), (error: Error) => error instanceof GeoipError && error.message.includes(file) && /checksum mismatch/.test(error.message));
  await rm(file);
  await assert.rejects(load(recordingLogger().logger, none), (error: Error) => error instanceof GeoipError && error.message.includes(`no ASN table at ${file}`));
  // A CSV file gone makes the sources absent, as in the package.
  await rm(files[1]!.path);
  assert.equal(await asnSourcesOf(files, 'test 1'), undefined);
});

test('a cache folder that cannot be written: the table still answers, from memory, with a warning', async () => {
  const { files } = await fixture('read-only');
  const blocker = join(dir, 'read-only', 'a-file');
  await writeFile(blocker, '');
  const { logger, lines } = recordingLogger();
  const table = await loadBundledAsnTable({ logger, file: join(blocker, 'geoip-asn.bin'), sources: () => asnSourcesOf(files, 'test 1') });
  assert.deepEqual(answers(table), EXPECTED);
  assert.match(lines.join('\n'), /could not be cached/);
});

test('for packaging: ensureAsnTableFile builds a missing or stale file and leaves a current one alone', async () => {
  const { files, file } = await fixture('ensure');
  const sources = (await asnSourcesOf(files, 'test 1'))!;
  assert.deepEqual(await ensureAsnTableFile(file, sources), { built: true, reason: 'no table file yet' });
  assert.deepEqual(await ensureAsnTableFile(file, sources), { built: false });
  const newer = (await asnSourcesOf(files, 'test 2'))!;
  const rebuilt = await ensureAsnTableFile(file, newer);
  assert.equal(rebuilt.built, true);
  assert.match(rebuilt.reason!, /stale/);
  assert.equal(readAsnTableHeader(await readFile(file))!.source, Buffer.from(newer.key).toString('hex'));
});
