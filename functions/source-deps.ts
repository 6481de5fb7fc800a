/**
 * Wiring of the detector sources: settings and blocklists from the environment, the alert
 * topic publisher and the first-seen table, built once per Lambda container.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Env } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { PluginLogger } from '../core/plugins.ts';
import { clientOf, lazyAwsClients, type AwsClientProviders } from '../adapters/aws-clients.ts';
import { portLoadedOnFirstCall } from '../adapters/lazy-port.ts';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher.ts';
import { detectorsFromEnv } from '../detectors/index.ts';
import type { FirstSeenStore } from '../detectors/first-seen.ts';
import type { AlertPublisher, ReadObjectsLedger, SourceDeps } from '../detectors/sources/ports.ts';

export const ALERT_TOPIC_ENV = 'ALERTWARDEN_ALERT_TOPIC_ARN';

// Built on the first line logged, as functions/deps.ts's: most deliveries log nothing.
const loggerOf = (env: Env): PluginLogger => {
  let logger: Logger | undefined;
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) => {
    logger ??= new Logger({
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'alertwarden',
      ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as never } : {}),
    });
    if (extra) logger[level](message, extra as LogAttributes);
    else logger[level](message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

export interface SourceDepsOverrides {
  clients?: AwsClientProviders;
  /** Locally and in tests: the local runtime's queue instead of SNS. */
  publisher?: AlertPublisher;
}

export const buildSourceDeps = async (env: Env, overrides: SourceDepsOverrides = {}): Promise<SourceDeps> => {
  const clients = overrides.clients ?? lazyAwsClients(env);
  const topicArn = env[ALERT_TOPIC_ENV];
  if (!overrides.publisher && !topicArn) throw new ConfigError(`${ALERT_TOPIC_ENV} is not set: detector alerts have nowhere to go`);
  const table = env.ALERTWARDEN_TABLE;
  if (!table) throw new ConfigError('ALERTWARDEN_TABLE is not set: first-seen rules need the table');
  return {
    detectors: await detectorsFromEnv(env, () => clientOf(clients.s3)),
    firstSeen: portLoadedOnFirstCall<FirstSeenStore>(async () => {
      const [{ DynamoDbFirstSeenStore }, dynamodb] = await Promise.all([import('../adapters/first-seen-store.ts'), clientOf(clients.dynamodb)]);
      return new DynamoDbFirstSeenStore(dynamodb, table);
    }),
    readObjects: portLoadedOnFirstCall<ReadObjectsLedger>(async () => {
      const [{ DynamoDbReadObjectsLedger }, dynamodb] = await Promise.all([import('../adapters/read-objects-store.ts'), clientOf(clients.dynamodb)]);
      return new DynamoDbReadObjectsLedger(dynamodb, table);
    }),
    publisher: overrides.publisher ?? new SnsAlertPublisher(clients.sns, topicArn!),
    s3: () => clientOf(clients.s3),
    logger: loggerOf(env),
  };
};

export type SourceDepsProvider = () => Promise<SourceDeps>;

let containerDeps: Promise<SourceDeps> | undefined;
export const containerSourceDeps: SourceDepsProvider = () =>
  (containerDeps ??= buildSourceDeps(process.env).catch((error: unknown) => {
    containerDeps = undefined; // a blocklist read that failed once must not poison the container
    throw error;
  }));
