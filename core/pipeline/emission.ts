/**
 * Emit one archived report version through one emitter: at least once per (version, emitter),
 * every attempt with the same idempotency key (see EmitContext in core/plugins.ts).
 */
import { randomUUID } from 'node:crypto';
import { EmissionInProgressError, PluginContractError } from '../errors.ts';
import type { EmitResult } from '../plugins.ts';
import { emissionKeyOf } from '../ids.ts';
import type { Emission, Report } from '../report.ts';
import type { PipelineDeps } from './deps.ts';
import { describeCaughtError, type CaughtError } from './caught-error.ts';

export const emitReport = async (
  /** `report`: the reviewed version as the review step handed it on (see ALERTWARDEN_INLINE_REPORT_MAX_BYTES); read from the archive when absent. */
  input: { reportId: string; version: number; emitter: string; report?: Report | null },
  deps: Pick<PipelineDeps, 'store' | 'archive' | 'plugins' | 'logger' | 'secrets' | 'now' | 'metrics' | 'config'> & Partial<Pick<PipelineDeps, 'reportLinks'>>,
): Promise<{ status: Emission['status'] }> => {
  const emitter = deps.plugins.emitters.find((e) => e.name === input.emitter);
  if (!emitter) throw new PluginContractError(`emitter ${JSON.stringify(input.emitter)} is not enabled in this deployment`);
  const report =
    input.report && input.report.id === input.reportId && input.report.version === input.version
      ? input.report
      : await deps.archive.get(input.reportId, input.version);
  // Defence in depth: the review already leaves such emitters out of a preliminary fan-out.
  if (report.phase === 'preliminary' && emitter.receivesPreliminary === false) return { status: 'skipped' };
  const token = randomUUID();
  const claim = await deps.store.claimEmission(input.reportId, emitter.name, input.version, {
    token,
    untilMs: deps.now() + deps.config.emissionLeaseSeconds * 1000,
  });
  if (claim.outcome === 'delivered') return { status: 'skipped' };
  if (claim.outcome === 'leased') {
    throw new EmissionInProgressError(input.reportId, input.version, emitter.name, new Date(claim.leaseUntilMs).toISOString());
  }
  // An earlier attempt's outcome was lost (timeout, crash, failed bookkeeping): the target may have it already.
  if (claim.attempt > 1) deps.metrics.count('EmissionsRepeated');
  const idempotencyKey = emissionKeyOf(input.reportId, input.version, emitter.name);
  const state = {
    get: () => deps.store.getEmitterState(input.reportId, emitter.name),
    put: (value: Record<string, unknown>) => deps.store.putEmitterState(input.reportId, emitter.name, value),
  };
  let result: EmitResult;
  try {
    const reportUrl = deps.reportLinks ? await deps.reportLinks.urlOf(input.reportId, input.version) : undefined;
    result = await emitter.emit(report, {
      idempotencyKey,
      logger: deps.logger,
      secrets: deps.secrets,
      state,
      ...(reportUrl !== undefined ? { reportUrl } : {}),
    });
    await deps.store.recordEmission(input.reportId, {
      emitter: emitter.name,
      version: input.version,
      status: result.status,
      ...(result.detail !== undefined ? { detail: result.detail } : {}),
      at: new Date(deps.now()).toISOString(),
    });
  } catch (error) {
    // The retry may claim at once; if this write fails too, the lease simply runs out.
    await deps.store.releaseEmission(input.reportId, emitter.name, input.version, token).catch(() => undefined);
    throw error;
  }
  if (result.status === 'delivered') deps.metrics.count('EmissionsDelivered');
  return { status: result.status };
};

export const recordEmissionFailure = async (
  input: { reportId: string; version: number; emitter: string; error?: CaughtError },
  deps: Pick<PipelineDeps, 'store' | 'now' | 'metrics'>,
): Promise<void> => {
  const { error, message } = describeCaughtError(input.error);
  const at = new Date(deps.now()).toISOString();
  const detail = `${error}: ${message}`;
  await deps.store.recordEmission(input.reportId, { emitter: input.emitter, version: input.version, status: 'failed', detail, at });
  // Also on the day's failure list: an operator sees every undelivered report without opening each one.
  await deps.store.recordFailure({ kind: 'emission', reportId: input.reportId, version: input.version, emitter: input.emitter, error: detail, failedAt: at });
  deps.metrics.count('EmissionsFailed');
};
