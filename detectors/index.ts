/**
 * Detectors: rules as code over CloudTrail and VPC Flow Logs, producing alerts for the same
 * alert topic every other security tool publishes to. Sources (functions/*-source handlers,
 * `alertwarden detect`) read logs with input.ts, run them through `createDetectors`, drop
 * already-seen values for stateful rules and publish what is left.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { configDirOf } from '../core/paths.ts';
import type { Blocklist } from '../inspectors/blocklist/parse.ts';
import { loadBlocklist, parseSource } from '../inspectors/blocklist/sources.ts';
import type { CloudTrailRecord } from './cloudtrail/record.ts';
import { createCloudTrailDetector, createFlowLogDetector, type Detection, type RecordDetector } from './detect.ts';
import type { FlowLogRecord } from './flowlogs/format.ts';
import { createNetworkMatcher } from './network.ts';
import type { Rule, RuleContext } from './rule.ts';
import { cloudTrailRules, flowLogRules } from './rules.ts';
import { loadDetectorSettings, type DetectorSettings } from './settings.ts';

export { defineRule, type Rule, type RuleContext } from './rule.ts';
export type { Detection } from './detect.ts';

export interface Detectors {
  settings: DetectorSettings;
  context: RuleContext;
  cloudtrail: RecordDetector<CloudTrailRecord>;
  flowlogs: RecordDetector<FlowLogRecord>;
}

export interface DetectorOptions {
  settings: DetectorSettings;
  blocklists?: readonly Blocklist[];
  cloudTrailRules?: readonly Rule<CloudTrailRecord>[];
  flowLogRules?: readonly Rule<FlowLogRecord>[];
}

export const createDetectors = (options: DetectorOptions): Detectors => {
  const context: RuleContext = { settings: options.settings, network: createNetworkMatcher(options.settings.internalCidrs, options.blocklists) };
  return {
    settings: options.settings,
    context,
    cloudtrail: createCloudTrailDetector(options.cloudTrailRules ?? cloudTrailRules, context),
    flowlogs: createFlowLogDetector(options.flowLogRules ?? flowLogRules, context),
  };
};

/** The blocklists named in ALERTWARDEN_BLOCKLISTS, read the way the blocklist inspector reads them. */
export const loadBlocklists = async (env: Record<string, string | undefined>, s3: () => S3Client | Promise<S3Client>): Promise<Blocklist[]> => {
  const specs = (env.ALERTWARDEN_BLOCKLISTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return Promise.all(specs.map((spec) => loadBlocklist(parseSource(spec, configDirOf(env)), s3)));
};

/** Settings and blocklists from the environment: what a source handler does once per container. */
export const detectorsFromEnv = async (env: Record<string, string | undefined>, s3: () => S3Client | Promise<S3Client>): Promise<Detectors> =>
  createDetectors({ settings: loadDetectorSettings(env), blocklists: await loadBlocklists(env, s3) });

export const detectAll = <R>(detector: RecordDetector<R>, records: Iterable<R>): Detection[] => {
  const out: Detection[] = [];
  for (const record of records) {
    const found = detector.detect(record);
    if (found.length) out.push(...found);
  }
  return out;
};
