import { describe, expect, test } from 'vitest';
import { bytesOf, esbuildOptionsOf, handlerModuleOf, moduleGraph } from './bundles.ts';

const files = new Map<string, string>([
  ['functions/ingest.mjs', 'import{a}from"./ingest.chunks/chunk-A.mjs";import"./ingest.chunks/side-B.mjs";const s=()=>import("./ingest.chunks/store-C.mjs");import{x}from"node:fs";'],
  ['functions/ingest.chunks/chunk-A.mjs', 'export const a=1;'],
  ['functions/ingest.chunks/side-B.mjs', 'globalThis.b=1;'],
  ['functions/ingest.chunks/store-C.mjs', 'import{a}from"./chunk-A.mjs";import{d}from"./chunk-D.mjs";export const c=()=>import("./gone-E.mjs");'],
  ['functions/ingest.chunks/chunk-D.mjs', 'export const d=1;'],
  ['functions/review.chunks/chunk-Z.mjs', 'export const z=1;'],
]);

describe('moduleGraph', () => {
  const graph = moduleGraph(files, 'functions/ingest.mjs');

  test('Init loads the entry and its static imports (side-effect imports too), not what import() loads', () => {
    expect([...graph.atInit].sort()).toEqual(['functions/ingest.chunks/chunk-A.mjs', 'functions/ingest.chunks/side-B.mjs', 'functions/ingest.mjs']);
  });

  test('reachable follows import() and the static imports of what it loads, never another function’s chunks', () => {
    expect(graph.reachable.has('functions/ingest.chunks/store-C.mjs')).toBe(true);
    expect(graph.reachable.has('functions/ingest.chunks/chunk-D.mjs')).toBe(true);
    expect(graph.reachable.has('functions/review.chunks/chunk-Z.mjs')).toBe(false);
  });

  test('names a relative import the zip does not hold; bare specifiers (node:fs) are not files', () => {
    expect(graph.missing).toEqual(['functions/ingest.chunks/gone-E.mjs']);
  });

  test('bytesOf sums the named files', () => {
    expect(bytesOf(files, graph.atInit)).toBe(files.get('functions/ingest.mjs')!.length + 17 + 15);
  });
});

describe('handlerModuleOf', () => {
  test('is the one module the entry imports with import()', () => {
    const lazy = new Map([['functions/emit.mjs', 'import"./emit.chunks/chunk-A.mjs";var n,o=()=>n??=import("./emit.chunks/emit-B.mjs");export{c as handler};']]);
    expect(handlerModuleOf(lazy, 'functions/emit.mjs')).toBe('functions/emit.chunks/emit-B.mjs');
  });

  test('is undefined for an entry that holds its handler itself, or loads several modules on demand', () => {
    expect(handlerModuleOf(files, 'functions/ingest.chunks/chunk-A.mjs')).toBeUndefined();
    const two = new Map([['functions/x.mjs', 'const a=()=>import("./x.chunks/a.mjs"),b=()=>import("./x.chunks/b.mjs");']]);
    expect(handlerModuleOf(two, 'functions/x.mjs')).toBeUndefined();
  });
});

describe('esbuildOptionsOf', () => {
  const settings = {
    bundle: true, minify: true, sourcemap: 'external', plugins: './scripts/p.cjs', format: 'esm', splitting: true, skipRebuild: true,
    outputFileExtension: '.mjs', exclude: ['@aws-sdk/*'], external: ['mmdb-lib'], banner: { js: '// b' },
  };
  const options = esbuildOptionsOf(settings, { root: '/srv', target: 'node22', entry: 'functions/x.ts', outdir: '/out/functions', loadPlugins: (file) => [`loaded ${file}`] });

  test('passes esbuild its settings and keeps serverless-esbuild’s own out', () => {
    expect(options).toEqual({
      bundle: true, minify: true, sourcemap: 'external', format: 'esm', splitting: true, banner: { js: '// b' }, target: 'node22',
      plugins: ['loaded /srv/scripts/p.cjs'], external: ['mmdb-lib', '@aws-sdk/*'], outExtension: { '.js': '.mjs' },
      entryPoints: ['functions/x.ts'], outdir: '/out/functions',
    });
  });

  test('its defaults: the runtime’s target, v2 aws-sdk excluded, `*` excluding nothing by name', () => {
    const bare = esbuildOptionsOf({}, { root: '/srv', target: 'node22', entry: 'e.ts', outdir: '/o', loadPlugins: () => [] });
    expect(bare).toMatchObject({ bundle: true, target: 'node22', external: ['aws-sdk'] });
    expect(bare).not.toHaveProperty('outExtension');
    expect(esbuildOptionsOf({ exclude: ['*'] }, { root: '/', target: 't', entry: 'e', outdir: 'o', loadPlugins: () => [] }).external).toEqual([]);
  });
});
