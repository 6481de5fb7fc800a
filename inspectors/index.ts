/**
 * The inspectors a deployment runs. To add your own: write it in one file (or folder) under
 * `inspectors/`, e.g. `inspectors/my-intel/index.ts` exporting
 * `defineInspector({ name: 'my-intel', accepts: ['ipaddr'], inspect })`, test it with
 * `runInspector` from `core/testing.ts`, then add it to the array below. Nothing else needs
 * to change: the pipeline routes each attribute to every inspector that accepts its type.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lazy } from '../adapters/aws-clients.ts';
import type { Inspector } from '../core/plugins.ts';
import { testerInspectors } from '../tester/plugins.ts';
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
  // The integration-test stage's inspector; present only when ALERTWARDEN_TESTER_PLUGINS=true.
  ...testerInspectors(env),
];
