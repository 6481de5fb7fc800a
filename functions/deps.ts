/**
 * Wiring: configuration from the environment, AWS SDK clients, stores and plugins, built
 * once per Lambda container. The local runtime calls the same `buildDeps` with its own
 * environment (loopback endpoints) and an in-process execution starter.
 *
 * The plugin registries (inspectors, emitters, the reviewer) are imported only by the functions
 * that use them (PluginNeeds): building every registry was about 12 ms of CPU of each cold start
 * (code to compile, emitter settings parsed) in functions that never inspect or emit. Each
 * handler names the registries' modules itself (`() => import(...)`), never this file: a
 * bundle holds what its handler can reach, and with the imports here every function's zip
 * carried every emitter's code and SDK client (EC2 and IAM for quarantine alone: ~1.3 MB).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { loadConfig, selectEnabled, type Env } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { externalInspector, externalInspectorSpecsFrom, externalReviewer, externalReviewerArnFrom, type FunctionInvoker } from '../core/external-plugins.ts';
import type { MetricName, PipelineMetrics } from '../core/metrics.ts';
import type { Emitter, Inspector, PluginLogger, Reviewer } from '../core/plugins.ts';
import type * as EmitterRegistry from '../emitters/index.ts';
import type * as InspectorRegistry from '../inspectors/index.ts';
import type * as ReviewerRegistry from '../reviewer/index.ts';
import type { PipelineDeps } from '../core/pipeline/deps.ts';
import type { SecretReader } from '../core/secrets.ts';
import type { ExecutionStarter, ReportArchive, ReportStore } from '../core/store.ts';
import { clientOf, lazyAwsClients, type AwsClientProviders } from '../adapters/aws-clients.ts';
import type { DynamoDbReportStoreOptions } from '../adapters/dynamodb-store.ts';
import { portLoadedOnFirstCall } from '../adapters/lazy-port.ts';
import { LambdaFunctionInvoker } from '../adapters/lambda-invoker.ts';
import { fileSecretReader } from '../adapters/local-secrets.ts';
import { reportLinksOf, S3ReportArchive } from '../adapters/s3-archive.ts';
import { SfnExecutionStarter } from '../adapters/sfn-starter.ts';
import { SsmSecretReader } from '../adapters/ssm-secrets.ts';
import { recordsSightings } from '../inspectors/sightings.ts';

export interface DepsOverrides {
  clients?: AwsClientProviders;
  /** Another implementation of the store and archive ports (the local `--store memory`). */
  store?: ReportStore;
  archive?: ReportArchive;
  starter?: ExecutionStarter;
  /** Plugins beside the built-in ones (a local run's own inspectors, test doubles). */
  extraInspectors?: readonly Inspector[];
  extraEmitters?: readonly Emitter[];
  reviewer?: Reviewer;
  /** Runs external plugins (ALERTWARDEN_EXTERNAL_*): Lambda in AWS; the local runtime's own functions locally. */
  invoker?: FunctionInvoker;
  secrets?: SecretReader;
  /** The local runtime counts in memory instead of writing EMF lines to stdout. */
  metrics?: PipelineMetrics;
  now?: () => number;
}

/**
 * The plugin kinds a function uses, each as the import of its registry; only those are
 * imported and built (the reviewer on its first review). A kind left out is not an empty list:
 * reading it throws. Every kind at once: functions/all-plugins.ts (the local runtime, tests).
 *
 * @example
 * const PLUGINS: PluginNeeds = { emitters: () => import('../emitters/index.ts') };
 */
export interface PluginNeeds {
  inspectors?: () => Promise<typeof InspectorRegistry>;
  emitters?: () => Promise<typeof EmitterRegistry>;
  reviewer?: () => Promise<typeof ReviewerRegistry>;
}

const notLoaded = (kind: keyof PluginNeeds): never => {
  throw new ConfigError(
    `this function does not load ${kind}: name ${kind} (a function importing ../${kind}/index.ts) in the PLUGINS its handler passes to containerDeps and withPluginsOf (functions/<handler>.ts)`,
  );
};

const unconfiguredStarter: ExecutionStarter = {
  start: async () => {
    throw new ConfigError('ALERTWARDEN_STATE_MACHINE_ARN is not set: this function cannot start pipeline executions');
  },
};

/**
 * Powertools' Logger behind the small logger interface plugins see, built on the first line
 * logged: most first events log nothing, and building it is ~2 ms of CPU of a cold start.
 */
const pluginLoggerOf = (make: () => Logger): PluginLogger => {
  let logger: Logger | undefined;
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>) => {
      logger ??= make();
      if (extra) logger[level](message, extra as LogAttributes);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/**
 * Lambda's metrics: counts kept here until the invocation's flush, Powertools Metrics imported
 * and built on the first flush with something to publish. Most functions count only failures,
 * and importing and building Powertools Metrics is ~5 ms of CPU of a cold start.
 */
export const metricsLoadedOnFirstCount = (env: Env): PipelineMetrics => {
  let pending: [MetricName, number][] = [];
  let loaded: Promise<PipelineMetrics> | undefined;
  return {
    count(name, value = 1) {
      pending.push([name, value]);
    },
    flush() {
      if (pending.length === 0) return;
      const counts = pending;
      pending = [];
      loaded ??= import('../adapters/powertools-metrics.ts').then(
        ({ PowertoolsMetrics }) => PowertoolsMetrics.fromEnv(env),
        (error: unknown) => {
          loaded = undefined; // a failed load is not kept: the next flush tries again
          throw error;
        },
      );
      return loaded.then((metrics) => {
        for (const [name, value] of counts) metrics.count(name, value);
        return metrics.flush();
      });
    },
  };
};

/**
 * Only the review function reviews, and only its role may read an `s3://` policy: loading it
 * at every function's cold start would fail the others with AccessDenied.
 */
const reviewerLoadedOnFirstUse = (load: () => Promise<Reviewer>): Reviewer => {
  let loaded: Promise<Reviewer> | undefined;
  return {
    name: 'configured',
    review: async (report, ctx) => {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined; // a transient S3 failure must not poison the container
        throw error;
      });
      return (await loaded).review(report, ctx);
    },
  };
};

/**
 * In Lambda (the client is a provider) the store and the SDK under it load on the store's first
 * call, so Init loads no SDK. Given a built client (the local runtime) it is built now: what a
 * run or a test wraps is then the store itself.
 */
const dynamoDbStoreOf = async (clients: AwsClientProviders, options: DynamoDbReportStoreOptions): Promise<ReportStore> => {
  const make = async () => {
    const [{ DynamoDbReportStore }, dynamodb] = await Promise.all([import('../adapters/dynamodb-store.ts'), clientOf(clients.dynamodb)]);
    return new DynamoDbReportStore(dynamodb, options);
  };
  return typeof clients.dynamodb === 'function' ? portLoadedOnFirstCall<ReportStore>(make) : make();
};

export const buildDeps = async (env: Env, overrides: DepsOverrides, needs: PluginNeeds): Promise<PipelineDeps> => {
  const config = loadConfig(env);
  const clients = overrides.clients ?? lazyAwsClients(env);
  const logger = pluginLoggerOf(
    () =>
      new Logger({
        serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'alertwarden',
        ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as never } : {}),
      }),
  );
  // SSM in AWS; a local run may name a JSON file of the same parameter names instead.
  const secrets =
    overrides.secrets ?? (env.ALERTWARDEN_SECRETS_FILE ? fileSecretReader(env.ALERTWARDEN_SECRETS_FILE) : new SsmSecretReader(clients.ssm));
  const store =
    overrides.store ??
    (await dynamoDbStoreOf(clients, {
      tableName: config.tableName,
      ttlDays: config.recordTtlDays,
      roundDeadlineMs: (config.aggregationDelaySeconds + config.roundDeadlineSeconds) * 1000,
      recordSightings: recordsSightings(config.inspectors),
    }));
  const invoker = overrides.invoker ?? new LambdaFunctionInvoker();
  const [inspectorRegistry, emitterRegistry] = await Promise.all([
    needs.inspectors?.(),
    needs.emitters?.(),
  ]);
  let inspectors: Inspector[] | undefined;
  if (inspectorRegistry) {
    // Naming an external inspector in its configuration is what enables it: one change, no list to extend too.
    const external = externalInspectorSpecsFrom(env).map((spec) => externalInspector(spec, invoker));
    const builtin = selectEnabled(
      'inspector',
      [...inspectorRegistry.builtinInspectors(env, { ...clients, secrets, store }), ...(overrides.extraInspectors ?? [])],
      config.inspectors,
    );
    const clash = external.find((e) => builtin.some((b) => b.name === e.name));
    if (clash) throw new ConfigError(`external inspector ${JSON.stringify(clash.name)} has the name of a built-in one`);
    inspectors = [...builtin, ...external];
  }
  const emitters = emitterRegistry
    ? selectEnabled('emitter', [...emitterRegistry.builtinEmitters(env, clients), ...(overrides.extraEmitters ?? [])], config.emitters)
    : undefined;
  const reviewerArn = externalReviewerArnFrom(env);
  const reviewerRegistry = needs.reviewer;
  // The external reviewer too only where the function names the reviewer, as the built-in one.
  const reviewer =
    overrides.reviewer ??
    (reviewerRegistry === undefined
      ? undefined
      : reviewerArn
        ? externalReviewer(reviewerArn, invoker)
        : reviewerLoadedOnFirstUse(async () => (await reviewerRegistry()).loadReviewer(env, clients)));
  const reportLinks = reportLinksOf(config.reportLink, config.bucketName, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
  return {
    config,
    ...(reportLinks ? { reportLinks } : {}),
    store,
    archive: overrides.archive ?? new S3ReportArchive(clients.s3, config.bucketName),
    starter:
      overrides.starter ??
      (config.stateMachineArn ? new SfnExecutionStarter(clients.sfn, config.stateMachineArn) : unconfiguredStarter),
    plugins: {
      get inspectors() {
        return inspectors ?? notLoaded('inspectors');
      },
      get emitters() {
        return emitters ?? notLoaded('emitters');
      },
      get reviewer() {
        return reviewer ?? notLoaded('reviewer');
      },
    },
    logger,
    metrics: overrides.metrics ?? metricsLoadedOnFirstCount(env),
    secrets,
    now: overrides.now ?? Date.now,
  };
};

export type DepsProvider = () => Promise<PipelineDeps>;

/**
 * Lambda: one set of clients and plugins per container, created on the first invocation, with
 * the plugin kinds the function uses.
 *
 * @example
 * export const handler = createEmitHandler(containerDeps({ emitters: () => import('../emitters/index.ts') }));
 */
export const containerDeps = (needs: PluginNeeds = {}): DepsProvider => {
  let deps: Promise<PipelineDeps> | undefined;
  return () => (deps ??= buildDeps(process.env, {}, needs));
};

const views = new WeakMap<PipelineDeps, Map<string, PipelineDeps>>();
/**
 * The deps a handler sees: the plugin kinds it did not name throw when read. Lambda builds no
 * others (containerDeps); the local runtime builds every kind once for all the handlers, and
 * through this view its runs check each handler's declaration as Lambda will.
 */
export const withPluginsOf = (needs: PluginNeeds, getDeps: DepsProvider): DepsProvider => async () => {
  const deps = await getDeps();
  const key = `${needs.inspectors !== undefined}/${needs.emitters !== undefined}/${needs.reviewer !== undefined}`;
  const byNeeds = views.get(deps) ?? new Map<string, PipelineDeps>();
  views.set(deps, byNeeds);
  let view = byNeeds.get(key);
  if (!view) {
    const { plugins } = deps;
    view = {
      ...deps,
      plugins: {
        get inspectors() {
          return needs.inspectors ? plugins.inspectors : notLoaded('inspectors');
        },
        get emitters() {
          return needs.emitters ? plugins.emitters : notLoaded('emitters');
        },
        get reviewer() {
          return needs.reviewer ? plugins.reviewer : notLoaded('reviewer');
        },
      },
    };
    byNeeds.set(key, view);
  }
  return view;
};

/**
 * Publishes what an invocation counted, whether it succeeded or failed: a failure is exactly
 * when the counts matter. Handlers that count add it with `.use(flushMetrics(getDeps))`.
 */
export const flushMetrics = (getDeps: DepsProvider) => {
  const flushMetricsAfter = async () => (await getDeps()).metrics.flush();
  const flushMetricsOnError = async () => {
    // The invocation's own error is the one to report; a deps failure here would hide it.
    await flushMetricsAfter().catch(() => undefined);
  };
  return { after: flushMetricsAfter, onError: flushMetricsOnError };
};
