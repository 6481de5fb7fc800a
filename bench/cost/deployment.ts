/**
 * What the cost model needs from serverless.yml, read from the file itself so the model follows
 * the deployment: memory size and architecture per function, and the fixed-cost resources.
 * A line-based reader for this file's two-space layout (no YAML library in the project);
 * test/deploy/package.test.ts checks it against the packaged CloudFormation.
 */
import { readFileSync } from 'node:fs';
import type { Architecture, FixedResources } from './usage.ts';

export const SERVERLESS_YML = new URL('../../serverless.yml', import.meta.url);

export interface FunctionConfig {
  memoryMb: number;
  architecture: Architecture;
}

const block = (lines: string[], header: string): string[] => {
  const start = lines.findIndex((l) => l === `${header}:`);
  if (start < 0) throw new Error(`serverless.yml has no top-level ${header}:`);
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
};

const numberAt = (lines: string[], indent: string, key: string): number | undefined => {
  const line = lines.find((l) => l.startsWith(`${indent}${key}:`) && !l.startsWith(`${indent} `));
  if (!line) return undefined;
  const value = Number(line.slice(indent.length + key.length + 1).replace(/#.*/, '').trim());
  if (!Number.isFinite(value)) throw new Error(`serverless.yml: ${key} is not a number: ${line}`);
  return value;
};

/** Function key -> memory and architecture, defaults from `provider:` (Lambda's own defaults otherwise). */
/** The deployed aggregation wait (params.default), in seconds. */
export const readAggregationDelaySeconds = (text = readFileSync(SERVERLESS_YML, 'utf8')): number =>
  Number(/^ {4}aggregationDelaySeconds: '?(\d+)'?/m.exec(text)?.[1] ?? 300);

export const readFunctionConfigs = (text = readFileSync(SERVERLESS_YML, 'utf8')): Record<string, FunctionConfig> => {
  const lines = text.split('\n');
  const provider = block(lines, 'provider');
  const memoryMb = numberAt(provider, '  ', 'memorySize') ?? 1024;
  const arch = provider.find((l) => l.startsWith('  architecture:'))?.split(':')[1]?.trim();
  const architecture: Architecture = arch === 'arm64' ? 'arm64' : 'x86_64';
  const out: Record<string, FunctionConfig> = {};
  let current: string | undefined;
  let own: string[] = [];
  const flush = () => {
    if (current) out[current] = { memoryMb: numberAt(own, '    ', 'memorySize') ?? memoryMb, architecture };
  };
  for (const line of block(lines, 'functions')) {
    const m = /^ {2}([A-Za-z0-9_-]+):\s*(#.*)?$/.exec(line);
    if (m) {
      flush();
      current = m[1];
      own = [];
    } else if (current) own.push(line);
  }
  flush();
  if (Object.keys(out).length === 0) throw new Error('serverless.yml declares no functions');
  return out;
};

/** The main stack's traffic-independent resources. */
export const readFixedResources = (text = readFileSync(SERVERLESS_YML, 'utf8')): FixedResources => ({
  kmsKeys: (text.match(/^\s+Type: AWS::KMS::Key\s*$/gm) ?? []).length,
  alarms: (text.match(/^\s+Type: AWS::CloudWatch::Alarm\s*$/gm) ?? []).length,
  polledQueues: (text.match(/^\s+- sqs:\s*$/gm) ?? []).length,
});

/** `IngestLambdaFunction` -> `ingest` (the framework's naming, reversed). */
export const functionKeyOf = (logicalId: string): string => {
  const base = logicalId.replace(/LambdaFunction$/, '');
  return `${base[0]!.toLowerCase()}${base.slice(1)}`;
};
