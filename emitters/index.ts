/**
 * The emitters a deployment can use; ALERTWARDEN_EMITTERS picks among them by name. To add
 * your own (Slack, a ticket system), write `emitters/<name>/index.ts` returning
 * `defineEmitter({ name, emit(report, ctx) })` with its test beside it, then add it below.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { clientOf, type Lazy } from '../adapters/aws-clients.ts';
import { ConfigError } from '../core/errors.ts';
import { defineEmitter, type Emitter } from '../core/plugins.ts';
import { createConsoleEmitter } from './console/index.ts';
import { createFileEmitter } from './file/index.ts';
import { quarantineSettingsFrom } from './quarantine/config.ts';
import type { QuarantineLedger } from './quarantine/ledger.ts';
import { emailSettingsFrom } from './email/config.ts';
import { githubSettingsFrom } from './github/config.ts';
import { pagerDutyEmitterFromEnv } from './pagerduty/index.ts';
import { slackSettingsFrom } from './slack/config.ts';
import { createSnsEmitter } from './sns/index.ts';
import { webhookEmitterFromEnv } from './webhook/index.ts';

export const FILE_EMITTER_PATH_ENV = 'ALERTWARDEN_FILE_EMITTER_PATH';
export const REPORT_TOPIC_ARN_ENV = 'ALERTWARDEN_REPORT_TOPIC_ARN';
const DEFAULT_FILE_PATH = 'out/reports.jsonl';
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;

export interface EmitterClients {
  sns?: Lazy<SNSClient>;
  dynamodb?: Lazy<DynamoDBClient>;
}

/**
 * An emitter whose code and SDK clients load on its first report: a function that never runs
 * it (ingest, inspect) pays nothing for it at cold start.
 */
const loadedOnFirstUse = (name: string, receivesPreliminary: boolean, load: () => Promise<Emitter>): Emitter => {
  let loaded: Promise<Emitter> | undefined;
  return defineEmitter({
    name,
    receivesPreliminary,
    emit: async (report, ctx) => {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return (await loaded).emit(report, ctx);
    },
    close: async () => (await loaded?.catch(() => undefined))?.close?.(),
  });
};

/** quarantine, when ALERTWARDEN_QUARANTINE_MODE is dry-run or enforce; its settings are checked now, at start. */
const quarantineEmitter = (env: Record<string, string | undefined>, clients: EmitterClients): Emitter | undefined => {
  const settings = quarantineSettingsFrom(env);
  if (settings.mode === 'off') return undefined;
  const table = env.ALERTWARDEN_TABLE?.trim();
  const dynamodb = clients.dynamodb;
  if (!table || !dynamodb) throw new ConfigError('quarantine needs the pipeline table (ALERTWARDEN_TABLE) for its ledger');
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const ttlDays = Number(env.ALERTWARDEN_RECORD_TTL_DAYS ?? 30) || 30;
  // The ledger, lib-dynamodb and the EC2 and IAM clients load when a quarantine first reads or
  // changes AWS: a local run that only plans offline (the CLI's default dry run) loads none.
  let ledger: Promise<QuarantineLedger> | undefined;
  const ledgerNow = () =>
    (ledger ??= Promise.all([import('./quarantine/ledger.ts'), clientOf(dynamodb)]).then(
      ([{ DynamoDbQuarantineLedger }, client]) => new DynamoDbQuarantineLedger(client, table, ttlDays),
      (error: unknown) => {
        ledger = undefined;
        throw error;
      },
    ));
  const lazyLedger: QuarantineLedger = {
    done: async (reportId, stepKey) => (await ledgerNow()).done(reportId, stepKey),
    record: async (reportId, stepKey, result) => (await ledgerNow()).record(reportId, stepKey, result),
    takeSlot: async (reportId, resource, cap) => (await ledgerNow()).takeSlot(reportId, resource, cap),
  };
  let ec2: Promise<EC2Client> | undefined;
  let iam: Promise<IAMClient> | undefined;
  return loadedOnFirstUse('quarantine', false, async () =>
    (await import('./quarantine/index.ts')).createQuarantineEmitter({
      settings,
      ledger: lazyLedger,
      ec2: () => (ec2 ??= import('@aws-sdk/client-ec2').then(({ EC2Client }) => new EC2Client(region ? { region } : {}))),
      iam: () => (iam ??= import('@aws-sdk/client-iam').then(({ IAMClient }) => new IAMClient(region ? { region } : {}))),
    }),
  );
};

/**
 * console and file always; sns only when ALERTWARDEN_REPORT_TOPIC_ARN is set; quarantine only when
 * ALERTWARDEN_QUARANTINE_MODE is dry-run or enforce; the notification
 * emitters (slack, …) only when their secret parameter is named (see README, "Notifications").
 *
 * @example
 * const emitters = builtinEmitters(process.env, { sns: new SNSClient({}) }); // or a provider: async () => client
 */
export const builtinEmitters = (env: Record<string, string | undefined>, clients: EmitterClients = {}): Emitter[] => {
  const emitters = [createConsoleEmitter(), createFileEmitter({ path: env[FILE_EMITTER_PATH_ENV]?.trim() || DEFAULT_FILE_PATH })];
  const topicArn = env[REPORT_TOPIC_ARN_ENV]?.trim();
  if (topicArn) {
    // The value is left out of the message: configuration is not echoed into logs.
    if (!SNS_TOPIC_ARN.test(topicArn)) throw new ConfigError(`${REPORT_TOPIC_ARN_ENV} is not an SNS topic ARN`);
    emitters.push(createSnsEmitter({ topicArn, client: clients.sns ?? (async () => new (await import('@aws-sdk/client-sns')).SNSClient({})) }));
  }
  const quarantine = quarantineEmitter(env, clients);
  if (quarantine) emitters.push(quarantine);
  // Notifiers: settings checked now, clients loaded on the first report.
  const slack = slackSettingsFrom(env);
  if (slack) emitters.push(loadedOnFirstUse('slack', true, async () => (await import('./slack/index.ts')).createSlackEmitter(slack)));
  const pagerduty = pagerDutyEmitterFromEnv(env);
  if (pagerduty) emitters.push(pagerduty);
  const github = githubSettingsFrom(env);
  if (github) emitters.push(loadedOnFirstUse('github', true, async () => (await import('./github/index.ts')).createGitHubEmitter(github)));
  const email = emailSettingsFrom(env);
  if (email) {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    emitters.push(
      loadedOnFirstUse('email', true, async () => {
        const [{ createEmailEmitter }, { SESv2Client }] = await Promise.all([import('./email/index.ts'), import('@aws-sdk/client-sesv2')]);
        return createEmailEmitter({ ...email, client: () => new SESv2Client(region ? { region } : {}) });
      }),
    );
  }
  const webhook = webhookEmitterFromEnv(env);
  if (webhook) emitters.push(webhook);
  return emitters;
};
