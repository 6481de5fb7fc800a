/**
 * One quarantine call and what became of it. Every call enforce would make is a step, so the
 * report shows exactly what was done (or, in dry-run, what would be), call by call.
 */
import type { QuarantineLedger } from './ledger.ts';

export type StepOutcome = 'planned' | 'done' | 'already-done' | 'refused' | 'skipped' | 'failed';

export interface QuarantineStep {
  /** The API call, e.g. `ec2:CreateSnapshot`, or `guard` for a policy decision. */
  action: string;
  /** The resource it is about (instance id, volume id, access key id). */
  target: string;
  outcome: StepOutcome;
  /** The call's result (a snapshot id), the reason for a refusal, or the error. */
  result?: string;
}

export const formatStep = (s: QuarantineStep): string => `${s.outcome} ${s.action} ${s.target}${s.result ? ` (${s.result})` : ''}`;

/** Runs (or, in dry-run, plans) steps for one report, remembering completed calls in the ledger. */
export class StepRunner {
  readonly steps: QuarantineStep[] = [];
  constructor(
    private readonly reportId: string,
    private readonly ledger: QuarantineLedger,
    readonly dryRun: boolean,
  ) {}

  note(step: QuarantineStep): void {
    this.steps.push(step);
  }

  get failed(): boolean {
    return this.steps.some((s) => s.outcome === 'failed');
  }

  /**
   * A mutating call: planned in dry-run; otherwise skipped when the ledger says it was done for
   * this report already (a re-review or a retried emit), else made and recorded. A failure is
   * noted and returned as undefined so independent steps still run (isolation without a snapshot
   * beats neither).
   */
  async act(action: string, target: string, plan: string, call: () => Promise<string>): Promise<string | undefined> {
    if (this.dryRun) {
      this.note({ action, target, outcome: 'planned', result: plan });
      return undefined;
    }
    const key = `${target}#${action}`;
    const prior = await this.ledger.done(this.reportId, key);
    if (prior !== undefined) {
      this.note({ action, target, outcome: 'already-done', result: prior });
      return prior;
    }
    try {
      const result = await call();
      await this.ledger.record(this.reportId, key, result);
      this.note({ action, target, outcome: 'done', result });
      return result;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      this.note({ action, target, outcome: 'failed', result: `${e.name ?? 'Error'}: ${e.message ?? String(error)}` });
      return undefined;
    }
  }
}
