/**
 * Which packages the project's own code imports at run time, and which of them package.json
 * does not declare. An undeclared import works only while some other dependency happens to
 * hoist the package into node_modules (issue 12: `@aws-sdk/client-cloudformation` resolved
 * through osls), and breaks on the next lock-file change.
 *
 * esbuild reads the sources, so TypeScript syntax, `require`, `export … from` and literal
 * `import()` are all seen, while text that only looks like an import (a string, a comment) is
 * not. Type-only imports are erased before resolution: tsc checks those.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const NOT_SOURCE = new Set(['node_modules', '.serverless', '.esbuild', '.git', 'out', 'coverage']);
const SOURCE_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** The package a bare specifier names: `@aws-sdk/client-s3/dist` -> `@aws-sdk/client-s3`, `vitest/config` -> `vitest`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** A specifier that names an installed package (not a file, a Node builtin or an `imports` alias). */
export function isPackageSpecifier(specifier: string): boolean {
  if (/^(?:\.|\/|#|node:|data:)/.test(specifier)) return false;
  return !builtinModules.includes(packageName(specifier));
}

export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (NOT_SOURCE.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(root);
  return files.sort();
}

/** Package name -> the files (relative to root) that import it. */
export async function importedPackages(root: string, files = sourceFiles(root)): Promise<Map<string, string[]>> {
  const imports = new Map<string, string[]>();
  await build({
    absWorkingDir: root,
    entryPoints: files,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    outdir: 'out/declared-imports',
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-packages',
        setup(b) {
          // Every file is an entry point, so nothing needs following: each import is noted and left out.
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (!isPackageSpecifier(args.path)) return { external: true };
            const name = packageName(args.path);
            const importer = relative(root, args.importer);
            const by = imports.get(name) ?? [];
            if (!by.includes(importer)) by.push(importer);
            imports.set(name, by);
            return { external: true };
          });
        },
      },
    ],
  });
  return imports;
}

/** Imported packages that neither dependencies nor devDependencies name, with their importers. */
export function undeclared(imports: Map<string, string[]>, packageJson: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }): Map<string, string[]> {
  const declared = new Set([...Object.keys(packageJson.dependencies ?? {}), ...Object.keys(packageJson.devDependencies ?? {})]);
  return new Map([...imports].filter(([name]) => !declared.has(name)).sort(([a], [b]) => a.localeCompare(b)));
}

export function readPackageJson(root: string): { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as ReturnType<typeof readPackageJson>;
}
