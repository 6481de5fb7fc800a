/**
 * The inspectors a deployment runs. To add your own: write it in one file (or folder) under
 * `inspectors/`, e.g. `inspectors/my-intel/index.ts` exporting
 * `defineInspector({ name: 'my-intel', accepts: ['ipaddr'], inspect })`, test it with
 * `runInspector` from `core/testing.ts`, then add it to the array below: with the default
 * `inspectors` param (empty: every registered inspector) that is the one change. An inspector
 * that lives elsewhere (another stack, any language) needs no code here at all: name its Lambda
 * in the `externalInspectors` param (core/external-plugins.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lazy } from '../adapters/aws-clients.ts';
import type { Inspector } from '../core/plugins.ts';
import { blocklistFromEnv } from './blocklist/index.ts';

export interface InspectorClients {
  s3?: Lazy<S3Client>;
}

/**
 * @example
 * const inspectors = builtinInspectors(process.env, { s3: new S3Client({}) });
 */
export const builtinInspectors = (env: Record<string, string | undefined>, clients: InspectorClients = {}): Inspector[] => [
  blocklistFromEnv(env, clients.s3),
];
