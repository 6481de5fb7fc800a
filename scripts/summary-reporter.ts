/**
 * Ends a vitest run with one plain line, `tests: N passed, N failed[, N skipped]`, after
 * vitest's own summary: the line CI and scripts read, whatever reporter ran before it. Before
 * it, the slowest test files (import + tests), the ones that bound the suite's time.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests to count, but it did fail.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const slowest = modules
      .map((module) => {
        const d = module.diagnostic();
        return { file: module.moduleId.replace(`${process.cwd()}/`, ''), ms: d.collectDuration + d.duration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (slowest.length) process.stdout.write(`slowest files: ${slowest.map((s) => `${s.file} ${(s.ms / 1000).toFixed(1)} s`).join(', ')}\n`);
    process.stdout.write(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
