/**
 * `alertwarden new inspector NAME`: a plugin folder to start from — the inspector, a test beside
 * it and a hostile-input file the corpus test picks up — with the one line that registers it.
 */
import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginContractError } from '../core/errors.ts';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export const inspectorFiles = (name: string): Record<string, string> => {
  const factory = `create${camel(name).replace(/^./, (c) => c.toUpperCase())}Inspector`;
  return {
    'index.ts': `/**
 * ${name}: what it knows about an attribute, and from where. Say why it exists; the pipeline
 * sends it only the attribute types it accepts, within its time budget.
 */
import { defineInspector, type Inspector } from '../../core/plugins.ts';

export const ${factory} = (): Inspector =>
  defineInspector({
    name: '${name}',
    accepts: ['ipaddr'],
    timeoutMs: 5_000,
    async inspect(attribute, ctx) {
      // ctx.signal aborts when the budget runs out: pass it to fetch(). Secrets come from configuration by name.
      if (attribute.value.startsWith('203.0.113.')) {
        return { findings: [{ verdict: 'suspicious', title: 'in the documentation range TEST-NET-3', source: '${name}' }] };
      }
      return { findings: [] };
    },
  });
`,
    'index.test.ts': `import { expect, test } from 'vitest';
import { runInspector } from '../../core/testing.ts';
import { ${factory} } from './index.ts';

test('${name}: a matching address is suspicious, anything else finds nothing', async () => {
  const inspector = ${factory}();
  expect((await runInspector(inspector, { type: 'ipaddr', key: 'ip', value: '203.0.113.7' })).findings[0]?.verdict).toBe('suspicious');
  expect((await runInspector(inspector, { type: 'ipaddr', key: 'ip', value: '198.51.100.7' })).findings).toEqual([]);
});
`,
    [`${name}.hostile.ts`]: `// Hostile inputs for ${name}: the corpus test (test/corpus) sends each through the whole pipeline.
// Add the ways an attacker could write what ${name} looks for, and what must be true of the report.
import { attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';

hostileCase({ name: '${name}: an address written as IPv4-mapped IPv6', input: attributeWith({ type: 'ipaddr', value: '::ffff:203.0.113.7' }), expect: neutralised() });
`,
  };
};

/** Where `inspectors/` is: this checkout, whatever the current folder. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const scaffoldInspector = async (root: string, name: string): Promise<string[]> => {
  if (!NAME.test(name)) throw new PluginContractError(`inspector name ${JSON.stringify(name)} must match ${NAME}`);
  const dir = join(root, 'inspectors', name);
  const exists = await access(dir).then(() => true, () => false);
  if (exists) throw new PluginContractError(`inspectors/${name} already exists`);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of Object.entries(inspectorFiles(name))) {
    await writeFile(join(dir, file), text, { flag: 'wx' });
    written.push(join('inspectors', name, file));
  }
  return written;
};
