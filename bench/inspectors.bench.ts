/**
 * npm run bench (second part) — figures for the data inspectors (not a test; nothing here
 * passes or fails). Run with --expose-gc for exact heap figures.
 *
 * 1. Blocklist over 1,000,000 CIDR entries: build time and heap, then lookups/s of address
 *    strings (parse + range-table search), next to a plain Map of 1,000,000 exact address
 *    strings looked up with the same queries in the same run (the baseline; goal >= 0.2x).
 * 2. geoip lookups/s on one core over the bundled databases (goal >= 200,000/s), and its load time.
 */
import { performance } from 'node:perf_hooks';
import { formatIpv4, parseIp } from '../core/ip-address.ts';
import { silentLogger } from '../core/testing.ts';
import { matchAddress, parseBlocklist } from '../inspectors/blocklist/index.ts';
import { loadGeoip } from '../inspectors/geoip/index.ts';

const ENTRIES = Number(process.env.BENCH_BLOCKLIST_ENTRIES ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;

/** Deterministic, so two runs measure the same lists (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1e6 + process.memoryUsage().arrayBuffers / 1e6;
};

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

const timeLookups = (queries: readonly string[], lookup: (q: string) => unknown) => {
  let hits = 0;
  const started = performance.now();
  for (const q of queries) if (lookup(q) !== undefined) hits++;
  return { ms: performance.now() - started, hits };
};

const blocklistBench = () => {
  const next = random(10);
  // CIDRs of /16 to /32 anywhere in IPv4, so ranges nest and overlap as in real feeds.
  const lines: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const bits = 16 + Math.floor(next() * 17);
    const size = 2 ** (32 - bits);
    const base = Math.floor((next() * 2 ** 32) / size) * size;
    lines.push(bits === 32 ? formatIpv4(base) : `${formatIpv4(base)}/${bits}`);
  }
  const text = lines.join('\n');
  const queries = Array.from({ length: QUERIES }, (_, i) => (i % 2 === 0 ? formatIpv4(Math.floor(next() * 2 ** 32)) : (lines[Math.floor(next() * ENTRIES)]!.split('/')[0] as string)));

  const before = heapMb();
  const started = performance.now();
  const list = parseBlocklist(text, 'bench', 'bench.txt');
  const buildMs = performance.now() - started;
  const listMb = heapMb() - before;

  const exact = new Map<string, true>();
  const beforeMap = heapMb();
  for (const line of lines) exact.set(line.split('/')[0]!, true);
  const mapMb = heapMb() - beforeMap;

  // Warm both paths once, then time them on the same queries.
  timeLookups(queries.slice(0, 50_000), (q) => matchAddress(list, q));
  timeLookups(queries.slice(0, 50_000), (q) => exact.get(q));
  const table = timeLookups(queries, (q) => matchAddress(list, q));
  const map = timeLookups(queries, (q) => exact.get(q));
  return { list, buildMs, listMb, mapMb, table, map };
};

const geoipBench = async () => {
  const started = performance.now();
  const geoip = await loadGeoip({}, silentLogger);
  const loadMs = performance.now() - started;
  const next = random(20);
  const queries: string[] = [];
  while (queries.length < 200_000) {
    const ip = formatIpv4(Math.floor(next() * 2 ** 32));
    if (!geoip.lookup(parseIp(ip)!)) continue; // special-purpose: not a lookup
    queries.push(ip);
  }
  timeLookups(queries.slice(0, 20_000), (q) => geoip.lookup(parseIp(q)!));
  const timed = timeLookups(queries, (q) => geoip.lookup(parseIp(q)!));
  return { loadMs, queries: queries.length, ...timed };
};

const main = async () => {
  const { cpus, loadavg } = await import('node:os');
  process.stdout.write(`inspector benchmarks on ${cpus().length} core(s), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}${gc ? '' : ' (run with --expose-gc for exact heap figures)'}\n\n`);

  const b = blocklistBench();
  const tablePerSecond = perSecond(QUERIES, b.table.ms);
  const mapPerSecond = perSecond(QUERIES, b.map.ms);
  process.stdout.write(
    [
      `blocklist, ${fmt(ENTRIES)} CIDR entries (/16../32), ${fmt(QUERIES)} address lookups (half listed):`,
      `  build (parse + range table)     ${b.buildMs.toFixed(0)} ms        (goal < 3,000 ms)`,
      `  heap for the list               ${b.listMb.toFixed(0)} MB         (goal < 150 MB)`,
      `  lookups/s, range table          ${fmt(tablePerSecond)}  (${b.table.hits} hits)`,
      `  lookups/s, Map of exact IPs     ${fmt(mapPerSecond)}  (${b.map.hits} hits; baseline, ${b.mapMb.toFixed(0)} MB)`,
      `  ratio range table / Map         ${(tablePerSecond / mapPerSecond).toFixed(2)}x      (goal >= 0.2x)`,
      '',
    ].join('\n'),
  );

  const g = await geoipBench();
  process.stdout.write(
    [
      `geoip, bundled databases (country MMDB + ASN table):`,
      `  load (prepare)                  ${g.loadMs.toFixed(0)} ms`,
      `  lookups/s, one core             ${fmt(perSecond(g.queries, g.ms))}  (${fmt(g.queries)} public addresses, ${g.hits} answered; goal >= 200,000/s)`,
      '',
    ].join('\n'),
  );
};

await main();
