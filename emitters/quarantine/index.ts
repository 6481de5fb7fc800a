/**
 * Quarantine: the response half of the pipeline, guarded. Acts only on a FINAL review at or
 * above the configured severity, only on resources the alerts themselves named (not on ones an
 * inspector discovered), never on a resource tagged protected, within an hourly cap, and once per
 * report (a re-review finds its steps in the ledger). Dry-run is the default: the report then
 * lists every call enforce would make. Each step and its result is the emission's detail, which
 * the report summary shows.
 *
 * A step that fails (a snapshot, say) does not stop the independent ones (the instance is still
 * isolated); the emit then fails with every step's outcome in the error, the pipeline retries
 * (completed steps are skipped through the ledger), and a failure that persists is recorded and
 * listed like any emission failure.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { AlertWardenError } from '../../core/errors.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { isAtLeast, type Report } from '../../core/report.ts';
import type { QuarantineSettings } from './config.ts';
import type { QuarantineLedger } from './ledger.ts';
import { planAccessKeyOffline, planInstanceOffline } from './offline.ts';
import { formatStep, StepRunner } from './steps.ts';

export class QuarantineIncompleteError extends AlertWardenError {
  constructor(detail: string) {
    super(`quarantine incomplete: ${detail}`);
    this.name = 'QuarantineIncompleteError';
  }
}

export interface QuarantineEmitterOptions {
  settings: QuarantineSettings;
  ledger: QuarantineLedger;
  /**
   * Called only when a quarantine that reads or changes AWS is about to run: a function (or a
   * local run planning offline) that never does so never loads or builds these clients.
   */
  ec2: () => EC2Client | Promise<EC2Client>;
  iam: () => IAMClient | Promise<IAMClient>;
  now?: () => number;
}

/** The resources the report's alerts name, each once. */
export const quarantineTargets = (report: Report) => {
  const carried = report.attributes.filter((a) => a.origin === 'alert');
  const unique = (type: string) => [...new Set(carried.filter((a) => a.type === type).map((a) => a.value))].sort();
  return { instances: unique('aws_instance_id'), accessKeys: unique('aws_access_key_id') };
};

/**
 * @example
 * const emitter = createQuarantineEmitter({
 *   settings: quarantineSettingsFrom(process.env),
 *   ledger: new DynamoDbQuarantineLedger(dynamodb, table, 30),
 *   ec2: () => new EC2Client({}), iam: () => new IAMClient({}),
 * });
 */
export const createQuarantineEmitter = (options: QuarantineEmitterOptions): Emitter => {
  const { settings, ledger } = options;
  const now = options.now ?? Date.now;
  return defineEmitter({
    name: 'quarantine',
    // Never on a verdict made before aggregation, whatever the fast path decides.
    receivesPreliminary: false,
    async emit(report) {
      if (report.phase !== 'final') return { status: 'skipped', detail: 'acts on final reviews only' };
      const severity = report.verdict?.severity ?? 'unclassified';
      if (severity === 'unclassified' || !isAtLeast(severity, settings.minSeverity)) {
        return { status: 'skipped', detail: `severity ${severity} is below the quarantine threshold ${settings.minSeverity}` };
      }
      const { instances, accessKeys } = quarantineTargets(report);
      if (instances.length === 0 && accessKeys.length === 0) return { status: 'skipped', detail: 'no instance or access key in the alerts' };

      const dryRun = settings.mode !== 'enforce';
      const runner = new StepRunner(report.id, ledger, dryRun);
      if (settings.offline) {
        for (const id of instances) planInstanceOffline(id, report.id, settings, runner);
        for (const id of accessKeys) planAccessKeyOffline(id, settings, runner);
      } else {
        // Loaded here, with the SDK clients they call: planning offline needs neither.
        if (instances.length > 0) {
          const [{ quarantineInstance }, ec2] = await Promise.all([import('./ec2.ts'), options.ec2()]);
          for (const instanceId of instances) await quarantineInstance({ instanceId, reportId: report.id, ec2, settings, ledger, runner, now });
        }
        if (accessKeys.length > 0) {
          const [{ quarantineAccessKey }, iam] = await Promise.all([import('./iam.ts'), options.iam()]);
          for (const accessKeyId of accessKeys) await quarantineAccessKey({ accessKeyId, reportId: report.id, iam, settings, ledger, runner });
        }
      }
      const detail = `${dryRun ? 'dry-run' : 'enforce'}: ${runner.steps.map(formatStep).join('; ')}`;
      if (runner.failed) throw new QuarantineIncompleteError(detail);
      const acted = runner.steps.some((s) => s.outcome === 'done' || s.outcome === 'planned' || s.outcome === 'already-done');
      return { status: acted ? 'delivered' : 'skipped', detail };
    },
  });
};
