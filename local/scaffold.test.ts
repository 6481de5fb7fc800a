import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Inspector } from '../core/plugins.ts';
import { runInspector } from '../core/testing.ts';
import { PROJECT_ROOT, scaffoldInspector } from './scaffold.ts';

test('new inspector: a folder with a working inspector, its test and a hostile-input file; never over an existing one', async () => {
  // A project of its own (core/ and test/ linked in), so no other test run ever sees the new files.
  const root = await mkdtemp(join(tmpdir(), 'alertwarden-scaffold-'));
  await symlink(join(PROJECT_ROOT, 'core'), join(root, 'core'));
  await symlink(join(PROJECT_ROOT, 'test'), join(root, 'test'));
  const name = 'my-intel';
  const dir = join(root, 'inspectors', name);
  try {
    const written = await scaffoldInspector(root, name);
    expect(written).toEqual([`inspectors/${name}/index.ts`, `inspectors/${name}/index.test.ts`, `inspectors/${name}/${name}.hostile.ts`]);
    const module = (await import(join(dir, 'index.ts'))) as Record<string, () => Inspector>;
    const inspector = Object.values(module)[0]!();
    expect(inspector.name).toBe(name);
    expect((await runInspector(inspector, { type: 'ipaddr', key: 'ip', value: '203.0.113.7' })).findings[0]?.verdict).toBe('suspicious');
    expect(await readFile(join(dir, 'index.test.ts'), 'utf8')).toContain(`from './index.ts'`);
    await expect(scaffoldInspector(root, name)).rejects.toThrow(/already exists/);
    await expect(scaffoldInspector(root, 'Bad Name')).rejects.toThrow(/must match/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
