/**
 * The order vitest starts test files in. vitest's own order is kept (project by project, the
 * longest files first once it has timed them), except that files which spend most of their
 * time waiting in real time are spread over the start of their project's run, one after each
 * CPU-bound file: their waits then overlap CPU-bound files, instead of several sleeping at
 * once while a core is free, or one sleeping alone at the end of the run.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files (relative to the project root) that mostly wait: lease intervals the ASL imposes,
 * aggregation windows. Measured alone (Node 22, load ~11): wall time and CPU (vitest's own ~1.4 s
 * included); a CPU-bound e2e file uses 40-60% of its wall time.
 */
export const WAITING_FILES = [
  // 31 s wall, 5.0 s CPU: the emit retry waits out a 20 s lease interval (the ASL's).
  'test/e2e/emission-lease-wait.test.ts',
  // 33 s wall, 5.8 s CPU: three reports each wait their 6 s aggregation window.
  'test/e2e/fast-path.test.ts',
  // 22 s wall, 5.9 s CPU: a round that outlasts its Task timeout, re-driven; 1 s windows.
  'test/e2e/round-faults.test.ts',
  // 20 s wall, 5.8 s CPU: 3 s aggregation windows.
  'test/e2e/slack-thread.test.ts',
];

/** `files` with each project's waiting files moved to follow its first CPU-bound ones, one each. */
export const waitingSpread = (files: TestSpecification[], root: string, waiting: readonly string[] = WAITING_FILES): TestSpecification[] => {
  const isWaiting = (spec: TestSpecification) => waiting.includes(spec.moduleId.slice(root.length).replace(/^\//, ''));
  const projects = [...new Set(files.map((spec) => spec.project.name))];
  return projects.flatMap((name) => {
    const own = files.filter((spec) => spec.project.name === name);
    const waits = own.filter(isWaiting);
    const rest = own.filter((spec) => !isWaiting(spec));
    const spread: TestSpecification[] = [];
    while (waits.length || rest.length) {
      if (rest.length) spread.push(rest.shift()!);
      if (waits.length) spread.push(waits.shift()!);
    }
    return spread;
  });
};

export default class WaitingSpreadSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return waitingSpread(await super.sort(files), this.ctx.config.root);
  }
}
