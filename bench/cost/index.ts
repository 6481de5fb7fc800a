/**
 * npm run bench:cost — what AlertWarden would cost in AWS (us-east-1 list prices, prices.json),
 * from operations counted on the local engine, next to deepalert's design priced with the same
 * model (deepalert.ts). Scenarios:
 *
 * 1. One alert with four attribute types and three emitters.
 * 2. A storm: 1,000,000 alerts over 1,000 keys in one hour, extrapolated from a measured sample
 *    that keeps the storm's 1,000 alerts per key (reports, reviews and snapshot reads depend on
 *    alerts per key, so fewer alerts per key would under-count them); every quantity of the sample
 *    scales by 1,000 / sample keys, because keys are independent.
 * 3. A steady 5 alerts a day for 30 days, plus the month's fixed charges.
 *
 * Environment: COST_STORM_KEYS (sample keys, default 2), COST_STORM_HOURS (default 1).
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { compare, formatComparison, usd, type Comparison } from './compare.ts';
import { DEEPALERT_FIXED, deepalertUsage, type Workload } from './deepalert.ts';
import { readAggregationDelaySeconds, readFixedResources, readFunctionConfigs, SERVERLESS_YML } from './deployment.ts';
import { loadPrices } from './prices.ts';
import { singleAlert, steadyMonth, stormSample, type Measured } from './scenarios.ts';
import { priceFixedMonthly, scaleUsage, totalUsd } from './usage.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STORM_ALERTS = 1_000_000;
const STORM_KEYS = 1_000;
const sampleKeys = Number(process.env.COST_STORM_KEYS ?? 2);
const stormHours = Number(process.env.COST_STORM_HOURS ?? 1);

const prices = loadPrices();
const functions = readFunctionConfigs();
const yml = readFileSync(SERVERLESS_YML, 'utf8');
const delaySeconds = readAggregationDelaySeconds(yml);

const scaleWorkload = (w: Workload, k: number): Workload => ({
  ...w,
  alerts: w.alerts * k,
  ingestBatches: w.ingestBatches * k,
  reports: w.reports * k,
  attributeOccurrences: w.attributeOccurrences * k,
  newAttributes: w.newAttributes * k,
  discoveredAttributes: w.discoveredAttributes * k,
  discoveryMessages: w.discoveryMessages * k,
  findings: w.findings * k,
});

const describe = (m: Measured, seconds: number): string => {
  const w = m.workload;
  const lines = [
    `  measured in ${seconds.toFixed(1)} s: ${w.alerts} alerts in ${w.ingestBatches} SQS batches, ${w.reports} reports, ${m.executions} pipeline executions, ` +
      `${m.meter.express.count} round-step (Express) executions, ${w.findings} findings`,
  ];
  const top = [...m.meter.dynamodbByCommand.entries()]
    .sort(([, a], [, b]) => b.wru + b.rru - (a.wru + a.rru))
    .map(([cmd, t]) => `${cmd.replace(/Command$/, '')} ${t.requests} (${t.wru ? `${t.wru} WRU` : `${t.rru} RRU`})`);
  lines.push(`  DynamoDB by command: ${top.join(', ')}`);
  if (w.alerts > 0 && m.ingestIsolated) lines.push(`  during ingest, per alert: ${(m.meter.ingestUnits.wru / w.alerts).toFixed(2)} WRU, ${(m.meter.ingestUnits.rru / w.alerts).toFixed(2)} RRU`);
  for (const note of m.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
};

const run = async (label: string, scenario: () => Promise<Measured>) => {
  const t0 = performance.now();
  const measured = await scenario();
  return { measured, seconds: (performance.now() - t0) / 1000, label };
};

console.log(`AlertWarden cost model: ${prices.region} list prices checked ${prices.checked} (bench/cost/prices.json); Lambda memory from serverless.yml (${[...new Set(Object.values(functions).map((f) => `${f.memoryMb} MB ${f.architecture}`))].join(', ')}).`);
console.log(`deepalert: per cookpad/deepalert's code (bench/cost/deepalert.ts); ${prices.assumptions.deepalertLambdaMemoryMb} MB ${prices.assumptions.deepalertLambdaArchitecture} Lambdas at an assumed ${prices.assumptions.deepalertLambdaMs} ms each; SQS consumers at full batches (its cheapest case).\n`);

const results: Comparison[] = [];

// 1 ---------------------------------------------------------------------------------------------
{
  const { measured, seconds } = await run('single', singleAlert);
  const ours = measured.meter.usage(functions, prices);
  const c = compare('single alert', ours, deepalertUsage(measured.workload, prices).usage, prices);
  results.push(c);
  console.log('1. One alert, 4 attribute types (ipaddr, domain, username, aws_instance_id), 1 inspector, 3 emitters (console, file, sns)');
  console.log(describe(measured, seconds));
  console.log(
    `  Standard transitions for the report: ${ours.standardTransitions} (deepalert: 2 inspection + 4 review = 6); ` +
      `the report was ${measured.meter.sns.reportPublishes > 1 ? 'urgent, so it was also emitted before the wait (fast path)' : 'emitted once'}`,
  );
  console.log(formatComparison(c), '\n');
}

// 2 ---------------------------------------------------------------------------------------------
{
  const waves = Math.max(1, Math.round((stormHours * 3600) / delaySeconds));
  const alertsPerKey = STORM_ALERTS / STORM_KEYS;
  const factor = STORM_KEYS / sampleKeys;
  const { measured, seconds } = await run('storm', () => stormSample({ sampleKeys, alertsPerKey, waves }));
  const ours = scaleUsage(measured.meter.usage(functions, prices), factor);
  const theirs = deepalertUsage(scaleWorkload(measured.workload, factor), prices).usage;
  const c = compare('storm', ours, theirs, prices);
  results.push(c);
  console.log(`2. Storm: ${STORM_ALERTS.toLocaleString('en-US')} alerts over ${STORM_KEYS.toLocaleString('en-US')} keys in ${stormHours} h (aggregation delay ${delaySeconds} s -> ${waves} rounds per key)`);
  console.log(`  sample: ${sampleKeys} keys x ${alertsPerKey} alerts in ${waves} waves, every quantity x ${factor} (keys are independent; alerts per key kept)`);
  console.log(describe(measured, seconds));
  console.log(formatComparison(c), '\n');
}

// 3 ---------------------------------------------------------------------------------------------
{
  const { measured, seconds } = await run('steady', steadyMonth);
  const c = compare('steady month', measured.meter.usage(functions, prices), deepalertUsage(measured.workload, prices).usage, prices);
  results.push(c);
  const oursFixed = priceFixedMonthly(readFixedResources(yml), prices);
  const theirsFixed = priceFixedMonthly(DEEPALERT_FIXED, prices);
  console.log('3. Steady: 5 alerts a day for 30 days (150 reports), traffic only');
  console.log(describe(measured, seconds));
  console.log(formatComparison(c));
  console.log('  Fixed monthly charges (any traffic):');
  for (const [i, line] of oursFixed.entries()) {
    const other = theirsFixed[i]!;
    console.log(`  ${line.service.padEnd(26)} ${line.quantity.padEnd(32)} ${usd(line.usd).padStart(9)}   ${other.quantity.padEnd(32)} ${usd(other.usd).padStart(9)}`);
  }
  console.log(`  Month total: AlertWarden ${usd(c.oursUsd + totalUsd(oursFixed))}, deepalert ${usd(c.theirsUsd + totalUsd(theirsFixed))}\n`);
}

// goals -----------------------------------------------------------------------------------------
const [single, storm] = results as [Comparison, Comparison, Comparison];
const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
console.log('Goals');
console.log(`  storm <= 1/10 of deepalert: ${verdict(storm.ratio <= 0.1)} (${usd(storm.oursUsd)} vs ${usd(storm.theirsUsd)}, ratio ${storm.ratio.toFixed(3)}; our largest line ${storm.dominant.service})`);
console.log(`  single report <= deepalert: ${verdict(single.ratio <= 1)} (${usd(single.oursUsd)} vs ${usd(single.theirsUsd)}, ratio ${single.ratio.toFixed(2)}; our largest line ${single.dominant.service})`);
