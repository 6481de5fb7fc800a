/**
 * The vitest configuration of `npm run test:reliability`: the project's own, with the two
 * full-size cases started first. Vitest otherwise orders files by cached duration, or by size
 * when it has none: the small contention file then started last and ran alone for six minutes
 * after everything else had finished (9.5 min in all on a loaded 2-core machine, against 6.6
 * with the long cases started at once and the short files filling in beside them).
 */
import { mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from '../vitest.config.ts';

const LONGEST_FIRST = ['test/e2e/round-contention.test.ts', 'test/reliability/storm.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    // Stable: the rest keep vitest's own order.
    return (await super.sort(files)).map((file, i) => ({ file, i })).sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i).map(({ file }) => file);
  }
}

export default mergeConfig(base, { test: { sequence: { sequencer: LongestFirst } } });
