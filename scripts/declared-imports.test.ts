import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { importedPackages, isPackageSpecifier, packageName, readPackageJson, undeclared } from './declared-imports.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('declared imports', () => {
  test('every package the code imports is declared in package.json', async () => {
    const imports = await importedPackages(ROOT);
    const missing = undeclared(imports, readPackageJson(ROOT));
    const listing = [...missing].map(([name, by]) => `${name} (imported by ${by.slice(0, 3).join(', ')})`).join('; ');
    expect(listing, `${imports.size} packages imported; undeclared: ${listing}`).toBe('');
    // The scan sees the imports issue 12 was about, so an empty result is not a blind scan.
    expect(imports.get('@aws-sdk/client-cloudformation')).toContain(join('tester', 'aws-target.ts'));
    expect(imports.get('aws-local-stepfunctions')).toContain(join('local', 'stepfunctions-engine.cjs'));
    expect(imports.get('jsonpath-plus')).toContain(join('local', 'stepfunctions-engine.cjs'));
  });

  test('TypeScript, require, export-from and import() are read; look-alike text, builtins and type-only imports are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'declared-imports-'));
    try {
      writeFileSync(join(dir, 'a.ts'), [
        "import type { Handler } from 'only-types';",
        "import { z } from 'zod/mini';",
        "export { mockClient } from 'aws-sdk-client-mock';",
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        "import { b } from './b.ts';",
        "const note: string = \"import x from 'in-a-string'\"; // from 'in-a-comment'",
        "export const load = (): Promise<unknown> => import('@scope/pkg/sub/path.js');",
        'export const h: Handler | undefined = undefined; export { z, readFileSync, join, b, note };',
      ].join('\n'));
      writeFileSync(join(dir, 'b.ts'), 'export const b = 1;\n');
      writeFileSync(join(dir, 'c.cjs'), "const lib = require('left-pad');\nmodule.exports = lib;\n");
      const imports = await importedPackages(dir);
      expect(Object.fromEntries(imports)).toEqual({
        zod: ['a.ts'],
        'aws-sdk-client-mock': ['a.ts'],
        '@scope/pkg': ['a.ts'],
        'left-pad': ['c.cjs'],
      });
      expect([...undeclared(imports, { dependencies: { zod: '^4' }, devDependencies: { 'aws-sdk-client-mock': '^4' } }).keys()]).toEqual(['@scope/pkg', 'left-pad']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('package names and specifiers', () => {
    expect(packageName('@aws-sdk/client-s3/dist-cjs/index.js')).toBe('@aws-sdk/client-s3');
    expect(packageName('vitest/config')).toBe('vitest');
    expect(['node:fs', 'fs/promises', './x.ts', '../y', '/abs', '#internal'].filter(isPackageSpecifier)).toEqual([]);
    expect(isPackageSpecifier('ipaddr.js')).toBe(true);
  });
});
