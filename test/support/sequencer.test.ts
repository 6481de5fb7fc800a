import { describe, expect, test } from 'vitest';
import type { TestSpecification } from 'vitest/node';
import { waitingSpread } from './sequencer.ts';

const spec = (project: string, file: string) => ({ project: { name: project }, moduleId: `/repo/${file}` }) as unknown as TestSpecification;
const names = (specs: TestSpecification[]) => specs.map((s) => `${s.project.name}:${s.moduleId.slice('/repo/'.length)}`);

describe('waitingSpread', () => {
  test('each waiting file follows one CPU-bound file of its project; the order is otherwise kept', () => {
    const files = [spec('deploy', 'd1'), spec('e2e', 'c1'), spec('e2e', 'c2'), spec('e2e', 'w1'), spec('e2e', 'c3'), spec('e2e', 'w2'), spec('e2e', 'w3'), spec('unit', 'u1')];
    expect(names(waitingSpread(files, '/repo', ['w1', 'w2', 'w3']))).toEqual(['deploy:d1', 'e2e:c1', 'e2e:w1', 'e2e:c2', 'e2e:w2', 'e2e:c3', 'e2e:w3', 'unit:u1']);
  });

  test('projects stay whole and in order (a shared worker serves one project), nothing lost or doubled', () => {
    const files = [spec('e2e', 'w1'), spec('e2e', 'w2'), spec('e2e', 'c1'), spec('unit', 'w9'), spec('unit', 'u1')];
    expect(names(waitingSpread(files, '/repo', ['w1', 'w2', 'w9']))).toEqual(['e2e:c1', 'e2e:w1', 'e2e:w2', 'unit:u1', 'unit:w9']);
  });

  test('with no waiting file listed, vitest’s order is returned as it is', () => {
    const files = [spec('e2e', 'b'), spec('e2e', 'a'), spec('unit', 'c')];
    expect(waitingSpread(files, '/repo', [])).toEqual(files);
  });
});
