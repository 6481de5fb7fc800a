/**
 * The emitters a deployment can use; ALERTWARDEN_EMITTERS picks among them by name. To add
 * your own (Slack, a ticket system), write `emitters/<name>/index.ts` returning
 * `defineEmitter({ name, emit(report, ctx) })` with its test beside it, then add it below.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfigError } from '../core/errors.ts';
import type { Emitter } from '../core/plugins.ts';
import { createConsoleEmitter } from './console/index.ts';
import { createFileEmitter } from './file/index.ts';
import { createSnsEmitter } from './sns/index.ts';

export const FILE_EMITTER_PATH_ENV = 'ALERTWARDEN_FILE_EMITTER_PATH';
export const REPORT_TOPIC_ARN_ENV = 'ALERTWARDEN_REPORT_TOPIC_ARN';
const DEFAULT_FILE_PATH = 'out/reports.jsonl';
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;

export interface EmitterClients {
  sns?: SNSClient;
}

/**
 * console and file always; sns only when ALERTWARDEN_REPORT_TOPIC_ARN is set.
 *
 * @example
 * const emitters = builtinEmitters(process.env, { sns: new SNSClient({}) });
 */
export const builtinEmitters = (env: Record<string, string | undefined>, clients: EmitterClients = {}): Emitter[] => {
  const emitters = [createConsoleEmitter(), createFileEmitter({ path: env[FILE_EMITTER_PATH_ENV]?.trim() || DEFAULT_FILE_PATH })];
  const topicArn = env[REPORT_TOPIC_ARN_ENV]?.trim();
  if (topicArn) {
    // The value is left out of the message: configuration is not echoed into logs.
    if (!SNS_TOPIC_ARN.test(topicArn)) throw new ConfigError(`${REPORT_TOPIC_ARN_ENV} is not an SNS topic ARN`);
    emitters.push(createSnsEmitter({ topicArn, client: clients.sns ?? new SNSClient({}) }));
  }
  return emitters;
};
