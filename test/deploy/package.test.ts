/**
 * Packages the service and the tester stack offline (`sls package --stage ci`, no AWS credentials,
 * no network) ONCE each, side by side, and checks the CloudFormation templates they write: state
 * machines, storage, encryption at rest, log retention, queues, alarms, optional tracing,
 * configuration, least-privilege IAM (one role per function, exact action/resource pairs, no
 * wildcards), and how the tester stack plugs into the main one.
 */
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import dynalite from 'dynalite';
import { readFixedResources, readFunctionConfigs } from '../../bench/cost/deployment.ts';
import { builtinEmitters } from '../../emitters/index.ts';
import { SWEEP_INDEX } from '../../adapters/dynamodb-store.ts';
import { loadConfig } from '../../core/config.ts';
import { ALARMED_METRICS } from '../../core/metrics.ts';
import { parseIp } from '../../core/ip-address.ts';
import { ASN_TABLE_PATH, BUNDLED_ASN_CSVS, bundledAsnSources } from '../../inspectors/geoip/asn-table-cache.ts';
import { openAsnTable, readAsnTableHeader } from '../../inspectors/geoip/asn-table-file.ts';
import { bytesOf, FUNCTIONS, handlerModuleOf, moduleGraph, readZip } from './bundles.ts';
import { cachedPackage, packageKey, stackInputFiles, type CachedPackage } from './package-cache.ts';
import { collect, LOG_DELIVERY_ACTIONS, type Json } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STAGE = 'ci';
// One folder of kept outputs per stack (package-cache.ts keeps the newest few of each).
const PACKAGE_CACHE = join(ROOT, 'node_modules', '.cache', 'alertwarden', 'sls-stacks');

interface CfnResource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
  Condition?: string;
}
interface Template {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, Json>;
  Conditions?: Record<string, Json>;
}

/**
 * The pipeline's ARN as finishRun gets it (env and IAM): from the fixed state machine name. It must
 * be exactly what Ref AlertPipelineStateMachine returns (the ARN of a machine with that name).
 */
const PIPELINE_ARN_SUB = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:alertwarden-${STAGE}-pipeline`;
const logicalId = (key: string): string => `${key[0]!.toUpperCase()}${key.slice(1)}`;
const lambdaId = (key: string): string => `${logicalId(key)}LambdaFunction`;

/**
 * The `sls` command the project installs (osls), run by the Node running the tests: the one the
 * package key names. Through `npx` each run cost ~0.4 s more CPU (npm's own start).
 */
const SLS = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');

/**
 * Run `sls <args>` in its own process group; on timeout kill the whole group (sls -> esbuild),
 * not just sls, so a stuck build cannot outlive the test.
 */
const runSls = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd = ROOT): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLS, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`sls ${args.join(' ')} timed out after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`sls ${args.join(' ')} exited with ${code ?? signal}\n${output}`));
    });
  });

let outDir = '';
let testerOutDir = '';
let template: Template;
let R: Record<string, CfnResource>;
/** The tester stack (tester/serverless.yml), packaged beside the main one. */
let tester: Template;
let packaged: CachedPackage;
let testerPackaged: CachedPackage;
/** Folders this run packaged into without keeping them (no git: no cache key). */
const scratch: string[] = [];

beforeAll(
  async () => {
    // Prove packaging needs no AWS identity: drop every credential/profile/region variable.
    const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    for (const k of Object.keys(env)) {
      if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|REGION|DEFAULT_REGION)$/.test(k)) delete env[k];
    }
    // Each stack packaged once per change of what it is built from (test/deploy/package-cache.ts):
    // the main stack from every file that may be an input, the tester from its own inputs.
    const scratchDir = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'alertwarden-package-'));
      scratch.push(dir);
      return dir;
    };
    const extra = (folder: string) => [`sls package --stage ${STAGE}`, `folder: ${folder}`, `node ${process.version}`];
    const testerInputs = await stackInputFiles(ROOT, 'tester');
    [packaged, testerPackaged] = await Promise.all([
      packageKey(ROOT, extra('.')).then((key) =>
        cachedPackage(key, join(PACKAGE_CACHE, 'main'), (dir) => runSls(['package', '--stage', STAGE, '--package', dir], env, 240_000), scratchDir),
      ),
      packageKey(ROOT, extra('tester'), testerInputs).then((key) =>
        cachedPackage(key, join(PACKAGE_CACHE, 'tester'), (dir) => runSls(['package', '--stage', STAGE, '--package', dir], env, 240_000, join(ROOT, 'tester')), scratchDir),
      ),
    ]);
    outDir = packaged.dir;
    testerOutDir = testerPackaged.dir;
    template = JSON.parse(await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
    tester = JSON.parse(await readFile(join(testerOutDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
    R = template.Resources;
  },
  260_000,
);

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ------------------------------------------------------------------ helpers

const ofType = (type: string, resources = R): [string, CfnResource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const resource = (id: string, type: string, resources = R): CfnResource => {
  const r = resources[id];
  assert.ok(r, `resource ${id} missing from the template`);
  assert.equal(r.Type, type, `${id} has the wrong type`);
  return r;
};
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Compact, comparable text for a resource reference in a policy: "GetAtt:X.Arn", "Ref:X", "Sub:...". */
const refText = (v: Json): string => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    if ('Ref' in v) return `Ref:${v.Ref}`;
    if ('Fn::GetAtt' in v) return `GetAtt:${asArray(v['Fn::GetAtt']).join('.')}`;
    if ('Fn::Sub' in v) return `Sub:${JSON.stringify(v['Fn::Sub'])}`;
  }
  return JSON.stringify(v);
};

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: Json;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
/** Every policy statement in the template with the resource it lives in. */
const allStatements = (resources = R): { owner: string; statement: Statement }[] => {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const docs: Json[] = [];
    if (r.Type === 'AWS::IAM::Role') for (const p of asArray(r.Properties?.Policies)) docs.push(p.PolicyDocument);
    if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(r.Type)) {
      docs.push(r.Properties?.PolicyDocument);
    }
    for (const d of docs) for (const s of asArray<Statement>(d?.Statement)) out.push({ owner: id, statement: s });
  }
  return out;
};

/** Allowed (action @ resource) pairs granted by a role's inline policies. */
const grants = (roleId: string, resources = R): Set<string> => {
  const role = resource(roleId, 'AWS::IAM::Role', resources);
  assert.equal(role.Properties.ManagedPolicyArns, undefined, `${roleId} must not attach managed policies`);
  const out = new Set<string>();
  for (const p of asArray(role.Properties.Policies)) {
    for (const s of asArray<Statement>(p.PolicyDocument.Statement)) {
      assert.equal(s.Effect, 'Allow');
      for (const a of asArray(s.Action)) for (const res of asArray(s.Resource)) out.add(`${a} @ ${refText(res)}`);
    }
  }
  return out;
};

const pairs = (actions: string[], resources: string[]): string[] => actions.flatMap((a) => resources.map((r) => `${a} @ ${r}`));

/** Evaluates a CloudFormation condition whose operands are literals (params resolve at package time). */
const conditionValue = (t: Template, name: string): boolean => {
  const evaluate = (c: Json): Json => {
    if (typeof c !== 'object' || c === null) return c;
    if ('Condition' in c) return conditionValue(t, c.Condition);
    if ('Fn::Equals' in c) {
      const [a, b] = c['Fn::Equals'].map(evaluate);
      assert.ok(typeof a === 'string' && typeof b === 'string', `condition ${name}: Fn::Equals needs two strings, got ${JSON.stringify(c)}`);
      return a === b;
    }
    if ('Fn::Not' in c) return !evaluate(c['Fn::Not'][0]);
    if ('Fn::And' in c) return c['Fn::And'].every(evaluate);
    if ('Fn::Or' in c) return c['Fn::Or'].some(evaluate);
    assert.fail(`condition ${name} uses something other than literals: ${JSON.stringify(c)}`);
  };
  const c = t.Conditions?.[name];
  assert.ok(c !== undefined, `no condition ${name}`);
  return evaluate(c) as boolean;
};

/** Resolve a serverless-step-functions DefinitionString (Fn::Sub [json, vars]) back to the ASL object. */
const resolveDefinition = (smId: string): { definition: Json; vars: Record<string, Json>; text: string } => {
  const ds = resource(smId, 'AWS::StepFunctions::StateMachine').Properties.DefinitionString;
  let text: string;
  let vars: Record<string, Json> = {};
  if (typeof ds === 'string') text = ds;
  else if (typeof ds['Fn::Sub'] === 'string') text = ds['Fn::Sub'];
  else [text, vars] = ds['Fn::Sub'] as [string, Record<string, Json>];
  const resolve = (v: Json): Json => {
    if (typeof v === 'string') {
      const m = /^\$\{([^}]+)\}$/.exec(v);
      return m && m[1]! in vars ? vars[m[1]!] : v;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return { definition: resolve(JSON.parse(text)), vars, text };
};

/** Drop what asl-validator (run by the plugin) adds to every state: QueryLanguage "JSONPath". */
const stripQueryLanguage = (v: Json): Json => {
  if (Array.isArray(v)) return v.map(stripQueryLanguage);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k, x]) => !(k === 'QueryLanguage' && x === 'JSONPath'))
        .map(([k, x]) => [k, stripQueryLanguage(x)]),
    );
  }
  return v;
};

const stateNames = (def: Json): string[] => {
  const names: string[] = [];
  const walk = (states: Json): void => {
    for (const [name, s] of Object.entries<Json>(states ?? {})) {
      names.push(name);
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
      if (s.Iterator) walk(s.Iterator.States);
      for (const b of asArray(s.Branches)) walk((b as Json).States);
    }
  };
  walk(def.States);
  return names.sort();
};


const readAsl = async (file: string): Promise<Json> => JSON.parse(await readFile(join(ROOT, 'statemachines', file), 'utf8'));

/** Logical ids a value depends on through Ref, Fn::GetAtt and Fn::Sub. */
const references = (v: Json, out: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(v)) v.forEach((x) => references(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries<Json>(v)) {
      if (k === 'Ref' && typeof x === 'string') out.add(x);
      else if (k === 'Fn::GetAtt') out.add(typeof x === 'string' ? x.split('.')[0]! : String(x[0]));
      else if (k === 'Fn::Sub') {
        const [str, vars] = typeof x === 'string' ? [x, {}] : (x as [string, Record<string, Json>]);
        for (const m of str.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = m[1]!.split('.')[0]!;
          if (!(name in vars)) out.add(name);
        }
        references(vars, out);
      } else references(x, out);
    }
  }
  return out;
};

// ------------------------------------------------------------------ tests

test('packages offline and writes one zip per function: its own code only; Init loads a small entry (no zod, no SDK), the handler module at most 300 KiB on the first event', async () => {
  for (const [stack, output] of [['main', packaged], ['tester', testerPackaged]] as const) {
    console.log(`sls package (${stack}) took ${(output.packageMs / 1000).toFixed(1)} s${output.reused ? ` (an earlier run, same inputs: ${output.dir})` : ''}`);
  }
  assert.deepEqual(ofType('AWS::Lambda::Function').map(([id]) => id).sort(), Object.keys(FUNCTIONS).map(lambdaId).sort());
  for (const [key, file] of Object.entries(FUNCTIONS)) {
    const fn = resource(lambdaId(key), 'AWS::Lambda::Function').Properties;
    assert.equal(fn.Runtime, 'nodejs22.x');
    assert.deepEqual(fn.Architectures, ['arm64']);
    assert.equal(fn.Handler, `functions/${file}.handler`);
    assert.equal(fn.FunctionName, `alertwarden-${STAGE}-${key}`);
    const zip = await readZip(join(outDir, `${key}.zip`));
    const code = zip.get(`functions/${file}.mjs`)?.toString('utf8');
    assert.ok(code, `${key}.zip lacks functions/${file}.mjs (has ${[...zip.keys()].join(', ')})`);
    assert.match(code, /^import \{ createRequire as \w+ \} from 'node:module'; const require = \w+\(import\.meta\.url\);/, 'createRequire banner');
    assert.match(code, /export\s*\{[^}]*\bhandler\b[^}]*\}/, `${file} must export handler`);
    // Cold start: what Node loads at Init is the entry and the chunks it imports statically. The
    // handler module (functions/<file>.ts as written) loads on the first invocation
    // (scripts/esbuild-plugins.cjs), and the AWS SDK (bundled, tree-shaken) and every plugin's
    // client load on their first use through import().
    const graph = moduleGraph(zip, `functions/${file}.mjs`);
    assert.deepEqual(graph.missing, [], `${key}: imports files its zip lacks`);
    const initBytes = bytesOf(zip, graph.atInit);
    const handlerModule = handlerModuleOf(zip, `functions/${file}.mjs`);
    assert.ok(handlerModule && graph.reachable.has(handlerModule), `${key}: the entry does not load its handler module on the first invocation`);
    const firstEvent = moduleGraph(zip, handlerModule).atInit;
    const firstEventBytes = bytesOf(zip, firstEvent);
    const zipBytes = (await stat(join(outDir, `${key}.zip`))).size;
    console.log(
      `${key}: ${(initBytes / 1024).toFixed(1)} KiB loaded at Init (${graph.atInit.size} files), ${(firstEventBytes / 1024).toFixed(0)} KiB with the handler module (${firstEvent.size} files), ` +
        `${(bytesOf(zip, graph.reachable) / 1024).toFixed(0)} KiB reachable, zip ${(zipBytes / 1024).toFixed(0)} KiB`,
    );
    assert.ok(initBytes <= 4 * 1024, `${key} loads ${initBytes} bytes at Init (limit 4 KiB)`);
    assert.ok(firstEventBytes <= 300 * 1024, `${key}'s handler module loads ${firstEventBytes} bytes before its first event is handled (limit 300 KiB)`);
    const initText = [...graph.atInit].map((f) => zip.get(f)!.toString('utf8')).join('\n');
    // Each SDK client embeds its package name (user agent): none may load at Init, nor with the
    // handler module. zod's classes carry their names ($ZodObject...): no schema is built at Init.
    // (matched, not asserted on the text: a failure would print the whole bundle)
    const firstEventText = [...firstEvent].map((f) => zip.get(f)!.toString('utf8')).join('\n');
    for (const [when, text] of [['at Init', initText], ['with the handler module', firstEventText]]) {
      const client = /@aws-sdk\/client-[a-z0-9-]+/.exec(text!)?.[0];
      assert.equal(client, undefined, `${key} loads ${client} ${when}`);
    }
    const zodAtInit = /\$Zod[A-Z]\w*/.exec(initText)?.[0];
    assert.equal(zodAtInit, undefined, `${key} loads zod (${zodAtInit}) at Init`);
    const reachableText = [...graph.reachable].map((f) => zip.get(f)!.toString('utf8')).join('\n');
    // Bundled, not taken from the runtime: the version tested is the version deployed, and one minified file loads faster than the runtime's packages.
    assert.ok(reachableText.includes('@aws-sdk/client-dynamodb'), `${key} does not bundle the DynamoDB client`);
    // The zip holds its own entry and the chunks it can load, nothing of the other functions.
    const codeFiles = [...zip.keys()].filter((name) => name.endsWith('.mjs'));
    assert.deepEqual(codeFiles.filter((name) => !graph.reachable.has(name)), [], `${key}.zip carries code its handler never loads`);
    assert.deepEqual(codeFiles.filter((name) => name.startsWith('functions/') && !name.startsWith(`functions/${file}.`)), [], `${key}.zip carries another function's files`);
    assert.deepEqual([...zip.keys()].filter((name) => name.endsWith('.map')), [], `${key}.zip carries source maps`);
    // German is one of the locales zod's classic API re-exports (scripts/esbuild-plugins.cjs keeps English only).
    assert.ok(!reachableText.includes('Eingabe: erwartet'), `${key} bundles zod's other locales`);
  }
  assert.equal(resource('IngestLambdaFunction', 'AWS::Lambda::Function').Properties.Timeout, 30);
  assert.equal(resource('InspectLambdaFunction', 'AWS::Lambda::Function').Properties.Timeout, 60);
  assert.equal(resource('EmitLambdaFunction', 'AWS::Lambda::Function').Properties.Timeout, 25);
  for (const [id, lg] of ofType('AWS::Logs::LogGroup')) assert.equal(lg.Properties.RetentionInDays, 30, `${id} retention`);
});

// A string only each registry's own module holds (minified code keeps string literals).
const REGISTRY_MARKERS = { inspectors: '"aws-cloudtrail-history":{accepts:', emitters: 'ALERTWARDEN_FILE_EMITTER_PATH', reviewer: 'ALERTWARDEN_REVIEW_POLICY' } as const;
// The registries each function names in its PLUGINS (functions/<handler>.ts); the detectors' functions use none.
const REGISTRIES_OF: Record<string, (keyof typeof REGISTRY_MARKERS)[]> = {
  planInspection: ['inspectors'],
  inspect: ['inspectors'],
  review: ['inspectors', 'emitters', 'reviewer'],
  emit: ['emitters'],
};

test('no handler module carries a plugin registry, and a zip holds only the registries its function names: each is imported when its deps are built (inspect registers its opt-in inspectors into its own)', async () => {
  for (const [key, file] of Object.entries(FUNCTIONS)) {
    const zip = await readZip(join(outDir, `${key}.zip`));
    const handlerModule = handlerModuleOf(zip, `functions/${file}.mjs`)!;
    const withHandler = [...moduleGraph(zip, handlerModule).atInit].map((f) => zip.get(f)!.toString('utf8')).join('\n');
    const reachable = [...moduleGraph(zip, `functions/${file}.mjs`).reachable].map((f) => zip.get(f)!.toString('utf8')).join('\n');
    for (const [kind, marker] of Object.entries(REGISTRY_MARKERS)) {
      const expected = key === 'inspect' && kind === 'inspectors';
      assert.equal(withHandler.includes(marker), expected, `${key} ${expected ? 'does not load' : 'loads'} the ${kind} registry with its handler module`);
      // The markers do name each registry: the functions that name it can load it, and only those carry it.
      const named = (REGISTRIES_OF[key] ?? []).includes(kind as keyof typeof REGISTRY_MARKERS);
      assert.equal(reachable.includes(marker), named, `${key} ${named ? 'cannot load' : 'carries'} the ${kind} registry`);
    }
    // The EC2 and IAM clients (~1.3 MB: quarantine, the AWS-context inspectors) come with the registries, never without.
    if (!REGISTRIES_OF[key]) for (const client of ['@aws-sdk/client-ec2', '@aws-sdk/client-iam']) assert.ok(!reachable.includes(client), `${key} carries ${client}`);
  }
});

test('a packaged handler, unpacked outside the project, reaches DynamoDB through its own bundled SDK on its first call', async () => {
  // Outside the project nothing resolves from node_modules: the zip alone must hold the SDK.
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-unpacked-'));
  const server = dynalite({ createTableMs: 0 });
  try {
    for (const [name, bytes] of await readZip(join(outDir, 'recordFailure.zip'))) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    await writeFile(
      join(dir, 'invoke.mjs'),
      "const { handler } = await import('./functions/record-failure.mjs');\n" +
        "const failure = { kind: 'emission', reportId: 'r1', version: 1, emitter: 'sns', error: { Error: 'Throttling', Cause: 'slow down' } };\n" +
        'try { await handler(failure, {}); console.log(JSON.stringify({ ok: true })); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }\n',
    );
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'invoke.mjs')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'unpacked',
        AWS_SECRET_ACCESS_KEY: 'unpacked',
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
        AWS_MAX_ATTEMPTS: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LAMBDA_TASK_ROOT: dir,
        ALERTWARDEN_TABLE: 'no-such-table',
        ALERTWARDEN_BUCKET: 'unpacked',
      },
    });
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as { name?: string; message?: string };
    console.log(`unpacked recordFailure handler: ${JSON.stringify(outcome)}`);
    // dynalite's answer, parsed by the bundled client: the request was signed, sent and understood.
    assert.equal(outcome.name, 'ResourceNotFoundException', `the handler's first DynamoDB call did not reach dynalite: ${stdout}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
});

test('the inspect package alone ships the geoip and AWS-ranges data as files, byte for byte, not inlined; the ASN data as the table built from the installed CSV, not the CSV', async () => {
  const data = [
    'node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
    ASN_TABLE_PATH,
    'inspectors/aws-ip-ranges/ip-ranges.snapshot.json',
  ];
  const { stat } = await import('node:fs/promises');
  const inspectZipBytes = (await stat(join(outDir, 'inspect.zip'))).size;
  console.log(`inspect.zip: ${(inspectZipBytes / 1e6).toFixed(1)} MB with the offline data`);
  const inspect = await readZip(join(outDir, 'inspect.zip'));
  for (const file of data) {
    const shipped = inspect.get(file);
    assert.ok(shipped, `inspect.zip lacks ${file}`);
    assert.ok(shipped.equals(await readFile(join(ROOT, file))), `${file} differs from the source`);
  }
  assert.ok(inspect.has('node_modules/@ip-location-db/asn/DBIP-LICENSE'), 'the ASN data ships with its licence');
  // The table, not the CSV it is read from (~1 s of CPU at a cold start); built from the CSV installed here, so not stale.
  for (const csv of BUNDLED_ASN_CSVS) assert.ok(!inspect.has(`node_modules/${csv.module}`), `inspect.zip ships ${csv.module} beside the table`);
  const sources = await bundledAsnSources();
  assert.ok(sources, 'the ASN CSV is installed here');
  const table = openAsnTable(inspect.get(ASN_TABLE_PATH)!, sources.key);
  const header = readAsnTableHeader(inspect.get(ASN_TABLE_PATH)!)!;
  console.log(`inspect.zip's ASN table: ${header.rows} rows, format ${header.formatVersion}, source key ${header.source.slice(0, 16)}…`);
  assert.ok(table.rows > 400_000, `the shipped table has ${table.rows} rows`);
  assert.equal(table.lookup(parseIp('8.8.8.8')!)?.asn, 15169);
  // geoip requires mmdb-lib at run time (kept out of every bundle): it must be in the package, entry point and all.
  const mmdbMain = (JSON.parse(inspect.get('node_modules/mmdb-lib/package.json')!.toString('utf8')) as { main: string }).main;
  for (const file of [mmdbMain, 'lib/decoder.js', 'lib/reader/walker.js']) assert.ok(inspect.has(`node_modules/mmdb-lib/${file.replace(/^\.\//, '')}`), `inspect.zip lacks mmdb-lib's ${file}`);
  const code = [...inspect].filter(([name]) => name.startsWith('functions/') && name.endsWith('.mjs'));
  assert.ok(code.length > 1, 'inspect.zip has no handler code');
  for (const [name, text] of code) {
    assert.doesNotMatch(text.toString('utf8'), /MaxMind DB metadata|binaryFormatMajorVersion/, `mmdb-lib is bundled after all (${name})`);
    // Read from disk at first use (loadDatabases): a database inlined into the bundle would be loaded by every cold start.
    assert.ok(text.length < 20_000_000, `${name} inlines data`);
  }
  assert.ok(inspectZipBytes < 40_000_000, `inspect.zip is ${inspectZipBytes} bytes`);
  for (const key of Object.keys(FUNCTIONS).filter((k) => k !== 'inspect')) {
    const zip = await readZip(join(outDir, `${key}.zip`));
    for (const file of data) assert.ok(!zip.has(file), `${key}.zip ships ${file}, which only inspect reads`);
  }
});

test('both state machines exist: pipeline STANDARD with a fixed name, round step EXPRESS with logging', () => {
  const pipeline = resource('AlertPipelineStateMachine', 'AWS::StepFunctions::StateMachine').Properties;
  assert.equal(pipeline.StateMachineType, 'STANDARD');
  assert.equal(pipeline.StateMachineName, `alertwarden-${STAGE}-pipeline`);
  assert.deepEqual(pipeline.RoleArn, { 'Fn::GetAtt': ['AlertPipelineStateMachineRole', 'Arn'] });
  // finishRun reaches the pipeline by this name (no Ref, see PIPELINE_ARN_SUB): the names must agree.
  assert.ok(PIPELINE_ARN_SUB.endsWith(`:stateMachine:${pipeline.StateMachineName}`), `${PIPELINE_ARN_SUB} does not name ${pipeline.StateMachineName}`);

  const round = resource('AlertRoundStateMachine', 'AWS::StepFunctions::StateMachine').Properties;
  assert.equal(round.StateMachineType, 'EXPRESS');
  assert.equal(round.StateMachineName, `alertwarden-${STAGE}-round`);
  assert.deepEqual(round.RoleArn, { 'Fn::GetAtt': ['AlertRoundStateMachineRole', 'Arn'] });
  assert.equal(round.LoggingConfiguration.Level, 'ERROR');
  assert.equal(round.LoggingConfiguration.IncludeExecutionData, false);
  assert.deepEqual(round.LoggingConfiguration.Destinations, [
    { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['AlertRoundStateMachineLogGroup', 'Arn'] } } },
  ]);
  const lg = resource('AlertRoundStateMachineLogGroup', 'AWS::Logs::LogGroup').Properties;
  assert.equal(lg.LogGroupName, `/aws/vendedlogs/states/alertwarden-${STAGE}-round`);
  assert.deepEqual(ofType('AWS::StepFunctions::StateMachine').map(([id]) => id).sort(), ['AlertPipelineStateMachine', 'AlertRoundStateMachine']);
});

for (const [smId, file] of [
  ['AlertPipelineStateMachine', 'alert-pipeline.asl.json'],
  ['AlertRoundStateMachine', 'alert-round.asl.json'],
] as const) {
  test(`${smId}: packaged definition equals ${file} and every substitution resolves`, async () => {
    const asl = await readAsl(file);
    const { definition, vars, text } = resolveDefinition(smId);
    assert.deepEqual(stateNames(definition), stateNames(asl));
    assert.equal(definition.StartAt, asl.StartAt);
    assert.deepEqual(stripQueryLanguage(definition), asl);
    // Every ${...} placeholder is a declared variable (no CloudFormation "unresolved" failures).
    for (const m of text.matchAll(/\$\{([^}]+)\}/g)) assert.ok(m[1]! in vars, `unresolved placeholder ${m[0]} in ${smId}`);
    // Every variable resolves to a resource of the right kind in this template.
    for (const [name, v] of Object.entries(vars)) {
      if ('Fn::GetAtt' in v) {
        assert.equal(v['Fn::GetAtt'][1], 'Arn', name);
        resource(v['Fn::GetAtt'][0], 'AWS::Lambda::Function');
      } else if ('Ref' in v) {
        resource(v.Ref, 'AWS::StepFunctions::StateMachine');
      } else assert.fail(`unexpected substitution ${JSON.stringify(v)}`);
    }
  });
}

test('the pipeline references the round step and only the failure recorder; the round step the six round functions', () => {
  const targetsOf = (smId: string): string[] => [...new Set(Object.values(resolveDefinition(smId).vars).map(refText))].sort();
  assert.deepEqual(targetsOf('AlertPipelineStateMachine'), ['GetAtt:FinishRunLambdaFunction.Arn', 'Ref:AlertRoundStateMachine']);
  assert.deepEqual(targetsOf('AlertRoundStateMachine'), [
    'GetAtt:EmitLambdaFunction.Arn',
    'GetAtt:FinishRunLambdaFunction.Arn',
    'GetAtt:InspectLambdaFunction.Arn',
    'GetAtt:PlanInspectionLambdaFunction.Arn',
    'GetAtt:RecordFailureLambdaFunction.Arn',
    'GetAtt:ReviewLambdaFunction.Arn',
  ]);
});

test('state machine roles grant exactly what their definitions use', () => {
  const invoke = (ids: string[]): string[] =>
    ids.flatMap((id) => [`lambda:InvokeFunction @ GetAtt:${id}.Arn`, `lambda:InvokeFunction @ Sub:${JSON.stringify(`\${${id}.Arn}:*`)}`]);
  const child = `alertwarden-${STAGE}-round`;
  const sub = (s: string): string => `Sub:${JSON.stringify(s)}`;
  // The pipeline: starts and tracks the round step (.sync:2 needs the events rule), invokes only
  // the failure recorder.
  assert.deepEqual(
    [...grants('AlertPipelineStateMachineRole')].sort(),
    [
      ...invoke(['FinishRunLambdaFunction']),
      'states:StartExecution @ Ref:AlertRoundStateMachine',
      ...pairs(
        ['states:DescribeExecution', 'states:StopExecution'],
        [
          sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${child}:*`),
          sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:express:${child}:*`),
        ],
      ),
      ...pairs(
        ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        [sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule')],
      ),
    ].sort(),
  );
  // The round step: invokes its six functions and delivers its logs (Resource "*", checked below), nothing else.
  const LOG_DELIVERY = [...LOG_DELIVERY_ACTIONS];
  assert.deepEqual(
    [...grants('AlertRoundStateMachineRole')].sort(),
    [
      ...invoke(['PlanInspectionLambdaFunction', 'InspectLambdaFunction', 'RecordFailureLambdaFunction', 'ReviewLambdaFunction', 'EmitLambdaFunction', 'FinishRunLambdaFunction']),
      ...pairs(LOG_DELIVERY, ['*']),
    ].sort(),
  );
  // Each role invokes exactly the functions its definition names.
  for (const [smId, roleId] of [
    ['AlertPipelineStateMachine', 'AlertPipelineStateMachineRole'],
    ['AlertRoundStateMachine', 'AlertRoundStateMachineRole'],
  ] as const) {
    const used = Object.values(resolveDefinition(smId).vars)
      .filter((v) => 'Fn::GetAtt' in v)
      .map((v) => `lambda:InvokeFunction @ GetAtt:${v['Fn::GetAtt'][0]}.Arn`);
    const granted = [...grants(roleId)].filter((g) => g.startsWith('lambda:InvokeFunction @ GetAtt:'));
    assert.deepEqual([...new Set(granted)].sort(), [...new Set(used)].sort(), roleId);
  }
  // Both roles are assumable by Step Functions only.
  for (const id of ['AlertPipelineStateMachineRole', 'AlertRoundStateMachineRole']) {
    const trust = resource(id, 'AWS::IAM::Role').Properties.AssumeRolePolicyDocument.Statement;
    assert.deepEqual(trust.map((s: Statement) => s.Principal), [{ Service: 'states.amazonaws.com' }]);
  }
});

test('the DynamoDB table: on-demand, pk/sk, TTL on expiresAt, PITR and SSE', () => {
  const t = resource('AlertWardenTable', 'AWS::DynamoDB::Table').Properties;
  assert.equal(t.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(t.KeySchema, [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ]);
  assert.deepEqual(t.AttributeDefinitions, [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'sweepShard', AttributeType: 'S' },
    { AttributeName: 'sweepAt', AttributeType: 'N' },
  ]);
  // The sweeper's sparse index, keys only: the same name and keys the store queries locally.
  assert.deepEqual(t.GlobalSecondaryIndexes, [
    {
      IndexName: SWEEP_INDEX,
      KeySchema: [
        { AttributeName: 'sweepShard', KeyType: 'HASH' },
        { AttributeName: 'sweepAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ]);
  assert.deepEqual(t.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
  assert.equal(t.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true);
  assert.equal(t.SSESpecification.SSEEnabled, true);
  assert.equal(t.ProvisionedThroughput, undefined);
});

test('the report bucket blocks public access, is encrypted and refuses plain HTTP', () => {
  const b = resource('ReportBucket', 'AWS::S3::Bucket').Properties;
  assert.deepEqual(b.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  const sse = b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm;
  assert.ok(['AES256', 'aws:kms'].includes(sse), `SSEAlgorithm ${sse}`);
  const policy = resource('ReportBucketPolicy', 'AWS::S3::BucketPolicy').Properties;
  assert.deepEqual(policy.Bucket, { Ref: 'ReportBucket' });
  const deny = policy.PolicyDocument.Statement.find((s: Statement) => s.Effect === 'Deny');
  assert.equal(deny.Action, 's3:*');
  assert.deepEqual(deny.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
  assert.deepEqual(deny.Resource.map(refText), ['GetAtt:ReportBucket.Arn', `Sub:${JSON.stringify('${ReportBucket.Arn}/*')}`]);
});

test('alerts: SNS topic (its own KMS key, usable by EventBridge and CloudWatch) -> queue with the SNS envelope, topic-only policy, DLQ redrive', () => {
  // EventBridge and CloudWatch cannot use the AWS-managed alias/aws/sns key: the alert topic has its own.
  assert.deepEqual(resource('AlertTopic', 'AWS::SNS::Topic').Properties.KmsMasterKeyId, { Ref: 'AlertTopicKey' });
  const key = resource('AlertTopicKey', 'AWS::KMS::Key').Properties;
  assert.equal(key.EnableKeyRotation, true);
  const statements = key.KeyPolicy.Statement as Statement[];
  const services = statements.filter((st) => (st.Principal as { Service?: unknown }).Service);
  assert.deepEqual(
    services.map((st) => ({ services: asArray((st.Principal as { Service: string | string[] }).Service).sort(), actions: asArray(st.Action).sort(), condition: st.Condition })),
    [{ services: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
    'the services may use the key only for sources in this account',
  );
  // Account principals: administration, and use only through SNS (no kms:* anywhere).
  for (const st of statements) assert.ok(!asArray(st.Action).includes('kms:*'), `${st.Sid} grants kms:*`);
  const viaSns = statements.find((st) => st.Sid === 'AccountPublishersThroughSns');
  assert.deepEqual(viaSns?.Condition, { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' } } });
  assert.equal(resource('ReportTopic', 'AWS::SNS::Topic').Properties.KmsMasterKeyId, 'alias/aws/sns');

  const q = resource('AlertQueue', 'AWS::SQS::Queue').Properties;
  assert.deepEqual(q.RedrivePolicy, { deadLetterTargetArn: { 'Fn::GetAtt': ['AlertDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
  const ingest = R.IngestLambdaFunction!.Properties;
  const esm = R.IngestEventSourceMappingSQSAlertQueue!.Properties;
  assert.ok(
    q.VisibilityTimeout >= 6 * ingest.Timeout + esm.MaximumBatchingWindowInSeconds,
    `VisibilityTimeout ${q.VisibilityTimeout} < 6 x ingest timeout ${ingest.Timeout} + batching window`,
  );
  assert.equal(q.SqsManagedSseEnabled, true);

  const dlq = resource('AlertDeadLetterQueue', 'AWS::SQS::Queue').Properties;
  assert.equal(dlq.MessageRetentionPeriod, 14 * 24 * 3600);
  assert.equal(dlq.SqsManagedSseEnabled, true);
  assert.ok(dlq.MessageRetentionPeriod > (q.MessageRetentionPeriod ?? 345_600), 'DLQ must keep messages longer than the source queue');

  const sub = resource('AlertQueueSubscription', 'AWS::SNS::Subscription');
  assert.deepEqual(sub.Properties, {
    TopicArn: { Ref: 'AlertTopic' },
    Protocol: 'sqs',
    Endpoint: { 'Fn::GetAtt': ['AlertQueue', 'Arn'] },
    RawMessageDelivery: false,
  });
  assert.deepEqual(asArray(sub.DependsOn), ['AlertQueuePolicy']);

  const qp = resource('AlertQueuePolicy', 'AWS::SQS::QueuePolicy').Properties;
  assert.deepEqual(qp.Queues, [{ Ref: 'AlertQueue' }]);
  assert.deepEqual(qp.PolicyDocument.Statement, [
    {
      Sid: 'AllowAlertTopicOnly',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['AlertQueue', 'Arn'] },
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'AlertTopic' } } },
    },
  ]);
});

test('ingest consumes AlertQueue with partial batch responses', () => {
  const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, x]) => x.Properties.FunctionName['Fn::GetAtt'][0] === 'IngestLambdaFunction');
  assert.equal(mappings.length, 1);
  const [, m] = mappings[0]!;
  assert.deepEqual(m.Properties.FunctionName, { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
  assert.deepEqual(m.Properties.EventSourceArn, { 'Fn::GetAtt': ['AlertQueue', 'Arn'] });
  assert.equal(m.Properties.BatchSize, 10);
  assert.equal(m.Properties.MaximumBatchingWindowInSeconds, 5);
  assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
});

test('alarms: DLQ depth > 0, pipeline failures and ingest errors notify the ops topic', () => {
  const a = resource('AlertDeadLetterQueueAlarm', 'AWS::CloudWatch::Alarm').Properties;
  assert.equal(a.Namespace, 'AWS/SQS');
  assert.equal(a.MetricName, 'ApproximateNumberOfMessagesVisible');
  assert.deepEqual(a.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['AlertDeadLetterQueue', 'QueueName'] } }]);
  assert.equal(a.Threshold, 0);
  assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
  assert.deepEqual(a.AlarmActions, [{ Ref: 'OpsTopic' }]);
  const ops = resource('OpsTopic', 'AWS::SNS::Topic').Properties;
  // CloudWatch cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key: its own key.
  assert.deepEqual(ops.KmsMasterKeyId, { Ref: 'OpsTopicKey' });
  const key = resource('OpsTopicKey', 'AWS::KMS::Key').Properties;
  assert.equal(key.EnableKeyRotation, true);
  const cloudwatch = key.KeyPolicy.Statement.filter((st: Statement) => JSON.stringify(st.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }));
  assert.deepEqual(cloudwatch.map((st: Statement) => asArray(st.Action).sort()), [['kms:Decrypt', 'kms:GenerateDataKey*']]);

  const ingestErrors = resource('IngestErrorsAlarm', 'AWS::CloudWatch::Alarm').Properties;
  assert.equal(ingestErrors.Namespace, 'AWS/Lambda');
  assert.equal(ingestErrors.MetricName, 'Errors');
  assert.deepEqual(ingestErrors.Dimensions, [{ Name: 'FunctionName', Value: { Ref: 'IngestLambdaFunction' } }]);
  assert.equal(ingestErrors.Threshold, 0);
  assert.equal(ingestErrors.ComparisonOperator, 'GreaterThanThreshold');
  assert.deepEqual(ingestErrors.AlarmActions, [{ Ref: 'OpsTopic' }]);

  for (const id of ['AlertPipelineFailedAlarm', 'AlertPipelineTimedOutAlarm']) {
    const p = resource(id, 'AWS::CloudWatch::Alarm').Properties;
    assert.equal(p.Namespace, 'AWS/States');
    assert.deepEqual(p.Dimensions, [{ Name: 'StateMachineArn', Value: { Ref: 'AlertPipelineStateMachine' } }]);
    assert.deepEqual(p.AlarmActions, [{ Ref: 'OpsTopic' }]);
  }
  // Re-driven and finally failed rounds, counted by the handlers as EMF under the stage's namespace.
  for (const [id, metric] of [['RoundsRedrivenAlarm', 'RoundsRedriven'], ['RoundsFinallyFailedAlarm', 'RoundsFinallyFailed']] as const) {
    const p = resource(id, 'AWS::CloudWatch::Alarm').Properties;
    assert.equal(p.Namespace, `AlertWarden/${STAGE}`, id);
    assert.equal(p.MetricName, metric, id);
    assert.deepEqual(p.Dimensions, [{ Name: 'service', Value: 'alertwarden' }], id);
    assert.equal(p.Statistic, 'Sum', id);
    assert.equal(p.Threshold, 0, id);
    assert.equal(p.ComparisonOperator, 'GreaterThanThreshold', id);
    assert.deepEqual(p.AlarmActions, [{ Ref: 'OpsTopic' }], id);
  }
  for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) {
    assert.doesNotMatch(JSON.stringify(alarm), /\$\{(opt|param|self|sls):/, `${id} contains an unresolved variable`);
  }
});

test('the round sweeper runs on an EventBridge schedule, one at a time', () => {
  const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets).includes('SweepRoundsLambdaFunction'));
  assert.equal(rules.length, 1);
  const rule = rules[0]![1].Properties;
  assert.equal(rule.ScheduleExpression, 'rate(5 minutes)');
  assert.equal(rule.State, 'ENABLED');
  assert.deepEqual(rule.Targets.map((t: Json) => t.Arn), [{ 'Fn::GetAtt': ['SweepRoundsLambdaFunction', 'Arn'] }]);
  const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes('SweepRoundsLambdaFunction'));
  assert.deepEqual(permissions.map(([, p]) => p.Properties.Principal), ['events.amazonaws.com']);
  assert.equal(resource('SweepRoundsLambdaFunction', 'AWS::Lambda::Function').Properties.ReservedConcurrentExecutions, 1);
});

test('an emit attempt ends before its Task stops waiting, its lease outlasts both, and a held lease is waited out', async () => {
  const round = JSON.parse(await readFile(join(ROOT, 'statemachines/alert-round.asl.json'), 'utf8'));
  const task = round.States.EmitReport.ItemProcessor.States.EmitToEmitter;
  const emit = R.EmitLambdaFunction!.Properties;
  const leaseSeconds = Number(emit.Environment.Variables.ALERTWARDEN_EMISSION_LEASE_SECONDS);
  const figures = `emit Lambda timeout ${emit.Timeout} s, Task TimeoutSeconds ${task.TimeoutSeconds} s, lease ${leaseSeconds} s`;
  assert.ok(emit.Timeout < task.TimeoutSeconds, figures);
  assert.ok(leaseSeconds > task.TimeoutSeconds, figures);
  // The lease retrier comes first (Step Functions uses the first retrier that matches) and, summed
  // over its attempts, waits longer than a lease, so an attempt that died is taken over in time.
  assert.deepEqual(task.Retry[0].ErrorEquals, ['EmissionInProgressError']);
  const { IntervalSeconds, MaxAttempts, BackoffRate } = task.Retry[0];
  const waited = Array.from({ length: MaxAttempts }, (_, n) => IntervalSeconds * BackoffRate ** n).reduce((a, b) => a + b, 0);
  assert.ok(waited > leaseSeconds, `the lease retrier waits ${waited} s in all; ${figures}`);
  assert.deepEqual(task.Retry.at(-1).ErrorEquals, ['States.ALL']);
});

test('every failure counter the handlers publish has an alarm to the ops topic, and ingest lag alarms too', () => {
  const lambdaEnv = R.IngestLambdaFunction!.Properties.Environment.Variables;
  const namespace = lambdaEnv.POWERTOOLS_METRICS_NAMESPACE;
  assert.equal(namespace, `AlertWarden/${STAGE}`);
  const byMetric = new Map(
    ofType('AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties.Namespace === namespace)
      .map(([id, a]) => [a.Properties.MetricName as string, { id, ...a.Properties }]),
  );
  assert.deepEqual([...byMetric.keys()].sort(), [...ALARMED_METRICS].sort());
  for (const [metric, a] of byMetric) {
    // The EMF lines carry exactly one dimension, service = POWERTOOLS_SERVICE_NAME; an alarm on any other set sees no data.
    assert.deepEqual(a.Dimensions, [{ Name: 'service', Value: lambdaEnv.POWERTOOLS_SERVICE_NAME }], metric);
    assert.equal(a.Statistic, 'Sum', metric);
    assert.equal(a.Threshold, 0, metric);
    assert.equal(a.ComparisonOperator, 'GreaterThanThreshold', metric);
    assert.equal(a.TreatMissingData, 'notBreaching', metric);
    assert.deepEqual(a.AlarmActions, [{ Ref: 'OpsTopic' }], metric);
  }
  const queue = (metric: string) =>
    ofType('AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties.Namespace === 'AWS/SQS' && a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes('"AlertQueue"'),
    )?.[1].Properties;
  const age = queue('ApproximateAgeOfOldestMessage');
  const backlog = queue('ApproximateNumberOfMessagesVisible');
  assert.equal(Number(age?.Threshold), 900);
  assert.equal(Number(backlog?.Threshold), 5000);
  for (const a of [age, backlog]) {
    assert.deepEqual(a.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['AlertQueue', 'QueueName'] } }]);
    assert.deepEqual(a.AlarmActions, [{ Ref: 'OpsTopic' }]);
  }
});

test('every Lambda has its own role, assumable by Lambda only, logging to its own log group', () => {
  assert.equal(R.IamRoleLambdaExecution, undefined, 'no shared framework role');
  const seen = new Map<string, string>();
  for (const key of Object.keys(FUNCTIONS)) {
    const fn = resource(lambdaId(key), 'AWS::Lambda::Function');
    const roleArn = fn.Properties.Role;
    assert.ok(roleArn?.['Fn::GetAtt'], `${key} role must be a role declared in this template`);
    const [roleId, attr] = roleArn['Fn::GetAtt'] as [string, string];
    assert.equal(attr, 'Arn');
    assert.equal(seen.get(roleId), undefined, `${key} shares role ${roleId} with ${seen.get(roleId)}`);
    seen.set(roleId, key);
    const role = resource(roleId, 'AWS::IAM::Role').Properties;
    assert.deepEqual(
      role.AssumeRolePolicyDocument.Statement.map((s: Statement) => [s.Effect, s.Principal, s.Action]),
      [['Allow', { Service: 'lambda.amazonaws.com' }, 'sts:AssumeRole']],
    );
    const own = `GetAtt:${logicalId(key)}LogGroup.Arn`;
    const g = grants(roleId);
    assert.ok(g.has(`logs:CreateLogStream @ ${own}`) && g.has(`logs:PutLogEvents @ ${own}`), `${key} cannot write its own logs`);
    for (const x of g) if (x.startsWith('logs:')) assert.ok(x.endsWith(`@ ${own}`), `${key} may write elsewhere: ${x}`);
    assert.equal(
      resource(`${logicalId(key)}LogGroup`, 'AWS::Logs::LogGroup').Properties.LogGroupName,
      `/aws/lambda/alertwarden-${STAGE}-${key}`,
    );
  }
  assert.equal(seen.size, Object.keys(FUNCTIONS).length);
});

/**
 * Read-only calls of the AWS-context inspectors for which the Service Authorization Reference
 * lists no resource type: they can only be granted on Resource "*", and only to the inspect role.
 * cloudtrail:LookupEvents (aws-cloudtrail-history) is one: CloudTrail's table lists no resource
 * and no condition key for it, so the only narrower grant is none at all.
 */
const RESOURCELESS_READS = new Set(['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'cloudtrail:LookupEvents']);

test('per-function IAM is exactly the least privilege the design calls for', () => {
  const table = 'GetAtt:AlertWardenTable.Arn';
  const under = (prefix: string): string => `Sub:${JSON.stringify(`\${ReportBucket.Arn}/${prefix}/*`)}`;
  const ddb = (...a: string[]): string[] => pairs(a.map((x) => `dynamodb:${x}`), [table]);
  // Publishing to the alert topic takes a data key from its customer-managed key.
  const alertTopicKey = pairs(['kms:GenerateDataKey', 'kms:Decrypt'], ['GetAtt:AlertTopicKey.Arn']);
  const expected: Record<string, string[]> = {
    ingest: [
      ...ddb('GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem'),
      'states:StartExecution @ Ref:AlertPipelineStateMachine',
      ...pairs(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], ['GetAtt:AlertQueue.Arn']),
    ],
    planInspection: ddb('Query', 'GetItem'),
    inspect: [
      // UpdateItem: the intel inspectors' per-report budget counter. Batches: attributes read with BatchGetItem, findings written with BatchWriteItem.
      ...ddb('GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem', 'Query'),
      `s3:GetObject @ ${under('blocklists')}`,
      `s3:GetObject @ ${under('aws-ip-ranges')}`,
      // The AWS-context inspectors: read-only, only the calls they make.
      ...pairs([...RESOURCELESS_READS], ['*']),
      ...pairs(
        ['GetUser', 'ListGroupsForUser', 'ListAttachedUserPolicies', 'ListUserPolicies', 'ListMFADevices', 'ListAccessKeys', 'GetAccessKeyLastUsed', 'GetLoginProfile'].map((a) => `iam:${a}`),
        [`Sub:${JSON.stringify('arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*')}`],
      ),
      ...pairs(['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'], [`Sub:${JSON.stringify('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*')}`]),
    ],
    recordFailure: ddb('PutItem', 'UpdateItem'),
    review: [
      ...ddb('Query', 'GetItem', 'UpdateItem', 'PutItem'),
      `s3:PutObject @ ${under('reports')}`,
      `s3:GetObject @ ${under('reports')}`,
      `s3:GetObject @ ${under('config')}`,
    ],
    emit: [
      ...ddb('GetItem', 'PutItem', 'UpdateItem', 'Query'),
      `s3:GetObject @ ${under('reports')}`,
      'sns:Publish @ Ref:ReportTopic',
      `ssm:GetParameter @ Sub:${JSON.stringify(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/alertwarden/${STAGE}/*`)}`,
    ],
    // Starts the next round itself when alerts joined during one: the pipeline's ARN from its
    // fixed name (a Ref would close a cycle through the pipeline definition).
    finishRun: [...ddb('UpdateItem', 'GetItem', 'Query'), `states:StartExecution @ Sub:${JSON.stringify(PIPELINE_ARN_SUB)}`],
    // The round sweeper: reads its sparse index, re-drives rounds, records reports given up on.
    sweepRounds: [
      ...ddb('GetItem', 'UpdateItem', 'Query'),
      `dynamodb:Query @ Sub:${JSON.stringify('${AlertWardenTable.Arn}/index/sweep')}`,
      'states:StartExecution @ Ref:AlertPipelineStateMachine',
    ],
    // Detector sources publish to the alert topic; CloudTrail ones keep first-seen state (one
    // conditional put), flow-log ones read the blocklists; async ones dead-letter, file ones
    // consume their notification queue. Reading the log bucket is a separate conditional policy.
    cloudTrailEvents: ['sns:Publish @ Ref:AlertTopic', ...alertTopicKey, ...ddb('PutItem'), 'sqs:SendMessage @ GetAtt:CloudTrailEventsDeadLetterQueue.Arn'],
    cloudTrailLogs: ['sns:Publish @ Ref:AlertTopic', ...alertTopicKey, ...ddb('PutItem'), 'sqs:SendMessage @ GetAtt:CloudTrailLogsDeadLetterQueue.Arn'],
    // File sources also claim each announced file and mark it read (repeated S3 notifications).
    cloudTrailFiles: [
      'sns:Publish @ Ref:AlertTopic', ...alertTopicKey,
      ...ddb('PutItem', 'DeleteItem'),
      ...pairs(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], ['GetAtt:CloudTrailFilesQueue.Arn']),
    ],
    flowLogLogs: ['sns:Publish @ Ref:AlertTopic', ...alertTopicKey, `s3:GetObject @ ${under('blocklists')}`, 'sqs:SendMessage @ GetAtt:FlowLogLogsDeadLetterQueue.Arn'],
    flowLogFiles: [
      'sns:Publish @ Ref:AlertTopic', ...alertTopicKey,
      ...ddb('PutItem', 'DeleteItem'),
      `s3:GetObject @ ${under('blocklists')}`,
      ...pairs(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], ['GetAtt:FlowLogFilesQueue.Arn']),
    ],
  };
  for (const [key, want] of Object.entries(expected)) {
    const roleId = R[lambdaId(key)]!.Properties.Role['Fn::GetAtt'][0] as string;
    const got = [...grants(roleId)].filter((g) => !g.startsWith('logs:')).sort();
    assert.deepEqual(got, [...want].sort(), `${key} (${roleId})`);
  }
});

test('detector sources: EventBridge rule, log subscriptions and file queues, each with its own dead-letter queue and alarm', () => {
  const sub = (s: string) => ({ 'Fn::Sub': s });
  // EventBridge: CloudTrail management events and console sign-ins to cloudTrailEvents; undeliverable events to its DLQ.
  const rule = resource('CloudTrailEventsRule', 'AWS::Events::Rule').Properties;
  assert.equal(rule.State, 'ENABLED');
  assert.deepEqual(rule.EventPattern, { 'detail-type': ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail'] });
  assert.deepEqual(rule.Targets.map((t: Json) => [t.Arn, t.DeadLetterConfig]), [
    [{ 'Fn::GetAtt': ['CloudTrailEventsLambdaFunction', 'Arn'] }, { Arn: { 'Fn::GetAtt': ['CloudTrailEventsDeadLetterQueue', 'Arn'] } }],
  ]);
  assert.deepEqual(resource('CloudTrailEventsPermission', 'AWS::Lambda::Permission').Properties, {
    FunctionName: { 'Fn::GetAtt': ['CloudTrailEventsLambdaFunction', 'Arn'] },
    Action: 'lambda:InvokeFunction',
    Principal: 'events.amazonaws.com',
    SourceArn: { 'Fn::GetAtt': ['CloudTrailEventsRule', 'Arn'] },
  });
  const dlqPolicy = resource('CloudTrailEventsDeadLetterQueuePolicy', 'AWS::SQS::QueuePolicy').Properties.PolicyDocument.Statement;
  assert.deepEqual(dlqPolicy.map((st: Statement) => [st.Principal, st.Action, st.Condition]), [
    [{ Service: 'events.amazonaws.com' }, 'sqs:SendMessage', { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['CloudTrailEventsRule', 'Arn'] } } }],
  ]);
  // Asynchronous invocations (EventBridge, CloudWatch Logs): failures after 2 retries go to the function's own DLQ.
  for (const key of ['cloudTrailEvents', 'cloudTrailLogs', 'flowLogLogs']) {
    const conf = resource(`${logicalId(key)}LambdaEvConf`, 'AWS::Lambda::EventInvokeConfig').Properties;
    assert.deepEqual(conf.FunctionName, { Ref: lambdaId(key) });
    assert.equal(conf.MaximumRetryAttempts, 2);
    assert.deepEqual(conf.DestinationConfig.OnFailure.Destination, { 'Fn::GetAtt': [`${logicalId(key)}DeadLetterQueue`, 'Arn'] }, key);
  }
  // CloudWatch Logs subscriptions exist only when a log group is configured (none by default).
  for (const [key, param] of [['cloudTrailLogs', 'HasCloudTrailLogGroup'], ['flowLogLogs', 'HasFlowLogGroup']] as const) {
    const filter = resource(`${logicalId(key)}SubscriptionFilter`, 'AWS::Logs::SubscriptionFilter');
    const permission = resource(`${logicalId(key)}Permission`, 'AWS::Lambda::Permission');
    assert.equal(filter.Condition, param);
    assert.equal(permission.Condition, param);
    assert.equal(conditionValue(template, param), false, `${param} is off by default`);
    assert.deepEqual(filter.Properties.DestinationArn, { 'Fn::GetAtt': [lambdaId(key), 'Arn'] });
    assert.deepEqual(asArray(filter.DependsOn), [`${logicalId(key)}Permission`]);
    assert.equal(permission.Properties.Principal, 'logs.amazonaws.com');
    assert.deepEqual(permission.Properties.SourceAccount, { Ref: 'AWS::AccountId' });
  }
  // Log files: S3 notifications -> queue (redrive to its own DLQ) -> function, partial batch failures.
  for (const [key, bucket, prefixParam] of [['cloudTrailFiles', 'HasCloudTrailBucket', ''], ['flowLogFiles', 'HasFlowLogBucket', '']] as const) {
    const id = logicalId(key);
    const q = resource(`${id}Queue`, 'AWS::SQS::Queue').Properties;
    assert.deepEqual(q.RedrivePolicy, { deadLetterTargetArn: { 'Fn::GetAtt': [`${id}DeadLetterQueue`, 'Arn'] }, maxReceiveCount: 5 });
    const fn = resource(lambdaId(key), 'AWS::Lambda::Function').Properties;
    assert.ok(q.VisibilityTimeout >= 6 * fn.Timeout, `${id}Queue visibility ${q.VisibilityTimeout} < 6 x ${fn.Timeout}`);
    const [[, esm]] = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName['Fn::GetAtt'][0] === lambdaId(key)) as [[string, CfnResource]];
    assert.deepEqual(esm.Properties.EventSourceArn, { 'Fn::GetAtt': [`${id}Queue`, 'Arn'] });
    assert.deepEqual(esm.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
    const policy = resource(`${id}QueuePolicy`, 'AWS::SQS::QueuePolicy');
    assert.equal(policy.Condition, bucket);
    assert.deepEqual(policy.Properties.PolicyDocument.Statement.map((st: Statement) => [st.Principal, st.Action, Object.keys(st.Condition as object).sort()]), [
      [{ Service: 's3.amazonaws.com' }, 'sqs:SendMessage', ['ArnEquals', 'StringEquals']],
    ]);
    const read = resource(`${id}BucketReadPolicy`, 'AWS::IAM::Policy');
    assert.equal(read.Condition, bucket);
    assert.equal(conditionValue(template, bucket), false, `${bucket} is off by default`);
    assert.deepEqual(read.Properties.Roles, [{ Ref: `${id}Role` }]);
    const [statement] = read.Properties.PolicyDocument.Statement as Statement[];
    assert.deepEqual([statement!.Action, statement!.Resource], ['s3:GetObject', sub(`arn:\${AWS::Partition}:s3:::/${prefixParam}AWSLogs/*`)]);
  }
  // Every source has a DLQ of its own, kept 14 days, watched by an alarm to the ops topic.
  const dlqs = ['CloudTrailEvents', 'CloudTrailLogs', 'CloudTrailFiles', 'FlowLogLogs', 'FlowLogFiles'];
  for (const id of dlqs) {
    const q = resource(`${id}DeadLetterQueue`, 'AWS::SQS::Queue').Properties;
    assert.equal(q.MessageRetentionPeriod, 14 * 24 * 3600);
    const alarm = resource(`${id}DeadLetterQueueAlarm`, 'AWS::CloudWatch::Alarm').Properties;
    assert.deepEqual(alarm.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`${id}DeadLetterQueue`, 'QueueName'] } }]);
    assert.deepEqual(alarm.AlarmActions, [{ Ref: 'OpsTopic' }]);
    assert.equal(alarm.ComparisonOperator, 'GreaterThanThreshold');
  }
  // The functions are told where alerts go; the CloudTrail ones use no blocklist (and cannot read one).
  for (const key of ['cloudTrailEvents', 'cloudTrailLogs', 'cloudTrailFiles', 'flowLogLogs', 'flowLogFiles']) {
    const vars = R[lambdaId(key)]!.Properties.Environment.Variables;
    assert.deepEqual(vars.ALERTWARDEN_ALERT_TOPIC_ARN, { Ref: 'AlertTopic' }, key);
    if (key.startsWith('cloudTrail')) assert.equal(vars.ALERTWARDEN_BLOCKLISTS, '', key);
  }
});

test('quarantine permissions exist only when quarantineMode is not off, for the emit role alone, tag-guarded', () => {
  const policy = resource('QuarantinePolicy', 'AWS::IAM::Policy');
  assert.equal(policy.Condition, 'QuarantineEnabled');
  // Packaged with the default quarantineMode (off): the policy is not created.
  assert.equal(conditionValue(template, 'QuarantineEnabled'), false);
  assert.deepEqual(policy.Properties.Roles, [{ Ref: 'EmitRole' }]);
  const statements = asArray<Statement>(policy.Properties.PolicyDocument.Statement);
  const bySid = new Map(statements.map((st) => [st.Sid as string, st]));
  const actions = statements.flatMap((st) => asArray(st.Action)).sort();
  assert.deepEqual(actions, [
    'ec2:CreateSecurityGroup', 'ec2:CreateSnapshot', 'ec2:CreateTags', 'ec2:CreateTags', 'ec2:DescribeIamInstanceProfileAssociations',
    'ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DisassociateIamInstanceProfile', 'ec2:ModifyNetworkInterfaceAttribute',
    'ec2:RevokeSecurityGroupEgress', 'ec2:StopInstances', 'ec2:TerminateInstances',
    'iam:GetAccessKeyLastUsed', 'iam:ListUserTags', 'iam:PutUserPolicy', 'iam:UpdateAccessKey',
  ]);
  // Whatever the code does, IAM itself refuses to touch a protected instance or user.
  for (const sid of ['ActOnUnprotectedInstances', 'ActOnUnprotectedUsers']) {
    assert.deepEqual(bySid.get(sid)?.Condition, { Null: { 'aws:ResourceTag/alertwarden:protected': 'true' } }, sid);
  }
  assert.deepEqual(bySid.get('CloseIsolationGroupEgress')?.Condition, { Null: { 'aws:ResourceTag/alertwarden:report-id': 'false' } });
  assert.deepEqual(bySid.get('TagOnCreate')?.Condition, { StringEquals: { 'ec2:CreateAction': ['CreateSecurityGroup', 'CreateSnapshot'] } });
  for (const st of statements) {
    if (st.Sid === 'ReadInstances') assert.equal(st.Resource, '*');
    else for (const r of asArray(st.Resource)) assert.match(refText(r), /:(ec2|iam):.*:(vpc|security-group|snapshot|network-interface|volume|instance|user)\/\*/, `${st.Sid}: ${refText(r)}`);
  }
});

test('AWS-context inspectors: only inspect is configured for them; other accounts only through the named role, off by default', () => {
  const inspectOnly = {
    ALERTWARDEN_AWS_ACCOUNTS: '',
    ALERTWARDEN_AWS_ROLE_NAME: '',
    ALERTWARDEN_EC2_OWNER_TAGS: 'Owner,owner,Team,team,Contact',
    ALERTWARDEN_CLOUDTRAIL_WINDOW_HOURS: '24',
    ALERTWARDEN_CLOUDTRAIL_MAX_EVENTS: '250',
    ALERTWARDEN_CORRELATION_DAYS: '30',
    ALERTWARDEN_INTEL_BUDGET_PER_REPORT: '20',
  };
  for (const key of Object.keys(FUNCTIONS)) {
    const vars = R[lambdaId(key)]!.Properties.Environment.Variables as Record<string, Json>;
    for (const [name, value] of Object.entries(inspectOnly)) assert.deepEqual(vars[name], key === 'inspect' ? value : undefined, `${key}.${name}`);
  }
  assert.equal(conditionValue(template, 'InspectsOtherAccounts'), false);
  const policy = resource('InspectOtherAccountsPolicy', 'AWS::IAM::Policy');
  assert.equal(policy.Condition, 'InspectsOtherAccounts');
  assert.deepEqual(policy.Properties.Roles, [{ Ref: 'InspectRole' }]);
  assert.deepEqual(policy.Properties.PolicyDocument.Statement, [
    {
      Sid: 'AssumeInspectionRole',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/' },
      Condition: { StringEquals: { 'aws:ResourceAccount': { 'Fn::Split': [',', ''] } } },
    },
  ]);
});

test('aws-cloudtrail-history: LookupEvents on Resource "*" in one statement of its own, only in the inspect role', () => {
  const lookups = allStatements().filter(({ statement }) => asArray(statement.Action).includes('cloudtrail:LookupEvents'));
  assert.deepEqual(
    lookups.map(({ owner, statement }) => [owner, statement.Sid, statement.Action, statement.Resource, statement.Condition]),
    [['InspectRole', 'AwsContextCloudTrail', 'cloudtrail:LookupEvents', '*', undefined]],
  );
  assert.equal(allStatements().filter(({ statement }) => asArray(statement.Action).some((a) => /^cloudtrail:/.test(a))).length, 1, 'no other CloudTrail action anywhere');
});

test('intel inspectors: the inspect role may read exactly the named key parameters, and none while unnamed', () => {
  for (const [id, condition, sid, param] of [
    ['InspectAbuseIpdbKeyPolicy', 'HasAbuseIpdbKey', 'ReadAbuseIpdbKey', 'abuseIpdbApiKeyParameter'],
    ['InspectGreyNoiseKeyPolicy', 'HasGreyNoiseKey', 'ReadGreyNoiseKey', 'greyNoiseApiKeyParameter'],
  ] as const) {
    const policy = resource(id, 'AWS::IAM::Policy');
    assert.equal(policy.Condition, condition, id);
    // Packaged with the default (empty) parameter name: the policy is not created.
    assert.equal(conditionValue(template, condition), false, `${condition} with ${param} empty`);
    assert.deepEqual(policy.Properties.Roles, [{ Ref: 'InspectRole' }]);
    // `${param:...}` resolves to the parameter name (empty here): the ARN of exactly that parameter, no wildcard.
    assert.deepEqual(policy.Properties.PolicyDocument.Statement, [
      { Sid: sid, Effect: 'Allow', Action: 'ssm:GetParameter', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter' } },
    ]);
  }
});

test('the email emitter may send only as the named SES identity, and has no SES permission while none is named', () => {
  const policy = resource('EmailPolicy', 'AWS::IAM::Policy');
  assert.equal(policy.Condition, 'HasEmailIdentity');
  // Packaged with the default emailIdentity (empty): the policy is not created.
  assert.equal(conditionValue(template, 'HasEmailIdentity'), false);
  assert.deepEqual(policy.Properties.Roles, [{ Ref: 'EmitRole' }]);
  const statements = asArray<Statement>(policy.Properties.PolicyDocument.Statement);
  assert.deepEqual(
    statements.flatMap((st) => asArray(st.Action).flatMap((a) => asArray(st.Resource).map((r) => `${a} @ ${refText(r)}`))),
    [`ses:SendEmail @ Sub:${JSON.stringify('arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/')}`],
  );
});

test('no Allow statement anywhere uses a wildcard action or a wildcard resource', () => {
  const LOG_DELIVERY = new Set<string>(LOG_DELIVERY_ACTIONS);
  const loggingRoles = new Set(
    ofType('AWS::StepFunctions::StateMachine')
      .filter(([, sm]) => sm.Properties.LoggingConfiguration)
      .map(([, sm]) => sm.Properties.RoleArn['Fn::GetAtt'][0] as string),
  );
  // X-Ray has no resource-level permissions either; its policies exist only when tracing is on.
  const XRAY = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets']);
  const tracingPolicies = new Set(
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Condition === 'TracingEnabled')
      .map(([id]) => id),
  );
  // Quarantine's EC2 Describe* calls have no resource-level permissions either (checked in its own test).
  const QUARANTINE_READS = new Set(['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeIamInstanceProfileAssociations']);
  const statements = [...allStatements(), ...allStatements(tester.Resources)];
  assert.ok(statements.length >= 20, `found only ${statements.length} statements`);
  let starResources = 0;
  for (const { owner, statement: s } of statements) {
    if (s.Effect !== 'Allow') continue;
    const where = `${owner}: ${JSON.stringify(s)}`;
    assert.equal(s.NotAction, undefined, where);
    assert.equal(s.NotResource, undefined, where);
    const actions = asArray(s.Action);
    assert.ok(actions.length > 0, where);
    for (const a of actions) {
      assert.notEqual(a, '*', where);
      assert.doesNotMatch(a, /^[\w-]+:\*$/, where);
    }
    if (asArray(s.Resource).some((r) => r === '*')) {
      if (tracingPolicies.has(owner)) {
        for (const a of actions) assert.ok(XRAY.has(a), `Resource "*" with ${a} in ${where}`);
        continue;
      }
      if (owner === 'QuarantinePolicy') {
        for (const a of actions) assert.ok(QUARANTINE_READS.has(a), `Resource "*" with ${a} in ${where}`);
        continue;
      }
      if (owner === 'InspectRole' && actions.every((a) => RESOURCELESS_READS.has(a))) continue;
      starResources++;
      for (const a of actions) {
        const readOnlyDescribe = /^[\w-]+:(Describe|List)\w*$/.test(a);
        const logDelivery = LOG_DELIVERY.has(a) && loggingRoles.has(owner);
        assert.ok(readOnlyDescribe || logDelivery, `Resource "*" with ${a} in ${where}`);
      }
    }
  }
  assert.ok(starResources <= 1, 'only the Express log-delivery statement may use Resource "*"');
  assert.deepEqual([...tracingPolicies].sort(), ['LambdaTracingPolicy', 'StateMachineTracingPolicy']);

  // Key policies: Resource "*" means the key itself; still no "*" or "kms:*" action.
  const keys = ofType('AWS::KMS::Key');
  assert.ok(keys.length >= 1);
  for (const [id, k] of keys) {
    for (const st of asArray<Statement>(k.Properties.KeyPolicy.Statement)) {
      for (const a of asArray(st.Action)) assert.ok(a !== '*' && a !== 'kms:*', `${id}: ${a}`);
      assert.notEqual(JSON.stringify(st.Principal), '"*"', `${id} grants to everyone`);
    }
  }
});

test('tracing is optional (param `tracing`): off by default, and then no X-Ray grant is deployed', () => {
  assert.equal(conditionValue(template, 'TracingEnabled'), false);
  for (const id of ['LambdaTracingPolicy', 'StateMachineTracingPolicy']) {
    assert.equal(resource(id, 'AWS::IAM::Policy').Condition, 'TracingEnabled', `${id} must exist only when tracing is on`);
  }
  // When on, every function and state machine role gets the X-Ray write actions.
  const roles = (id: string) => R[id]!.Properties.Roles.map(refText).sort();
  assert.deepEqual(roles('LambdaTracingPolicy'), Object.keys(FUNCTIONS).map((k) => `Ref:${R[lambdaId(k)]!.Properties.Role['Fn::GetAtt'][0]}`).sort());
  assert.deepEqual(roles('StateMachineTracingPolicy'), ['Ref:AlertPipelineStateMachineRole', 'Ref:AlertRoundStateMachineRole']);
  for (const key of Object.keys(FUNCTIONS)) assert.equal(R[lambdaId(key)]!.Properties.TracingConfig, undefined, key);
  for (const [id, sm] of ofType('AWS::StepFunctions::StateMachine')) assert.deepEqual(sm.Properties.TracingConfiguration, { Enabled: false }, id);
});

test('encryption at rest everywhere, public access blocked, every log group expires (both stacks)', () => {
  const all = { ...R, ...Object.fromEntries(Object.entries(tester.Resources).map(([id, r]) => [`tester:${id}`, r])) };
  const kinds = new Map<string, number>();
  for (const [id, r] of Object.entries(all)) {
    kinds.set(r.Type, (kinds.get(r.Type) ?? 0) + 1);
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        assert.equal(p.SSESpecification?.SSEEnabled, true, `${id} SSE`);
        break;
      case 'AWS::S3::Bucket':
        assert.ok(['AES256', 'aws:kms'].includes(p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm), `${id} encryption`);
        assert.deepEqual(p.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true }, `${id} public access`);
        break;
      case 'AWS::SQS::Queue':
        assert.ok(p.SqsManagedSseEnabled === true || p.KmsMasterKeyId, `${id} SSE`);
        break;
      case 'AWS::SNS::Topic':
        assert.ok(p.KmsMasterKeyId, `${id} must be encrypted (KmsMasterKeyId)`);
        break;
      case 'AWS::Logs::LogGroup':
        assert.ok(Number.isInteger(p.RetentionInDays) && p.RetentionInDays > 0, `${id} retention`);
        break;
    }
  }
  for (const type of ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::Logs::LogGroup']) {
    assert.ok((kinds.get(type) ?? 0) > 0, `the sweep found no ${type}: the check would pass vacuously`);
  }
  // Every function (both stacks) has a log group with retention: none is left to Lambda's default "never expire".
  for (const [id] of [...ofType('AWS::Lambda::Function'), ...ofType('AWS::Lambda::Function', tester.Resources)]) {
    const group = id.replace(/LambdaFunction$/, 'LogGroup');
    assert.ok(R[group] ?? tester.Resources[group], `${id} has no log group ${group}`);
  }
});

test('functions share the configuration environment; ingest and finishRun know the pipeline ARN', () => {
  const common = {
    ALERTWARDEN_TABLE: { Ref: 'AlertWardenTable' },
    ALERTWARDEN_BUCKET: { Ref: 'ReportBucket' },
    ALERTWARDEN_AGGREGATION_WINDOW_SECONDS: '10800',
    ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '300',
    ALERTWARDEN_MAX_INSPECTION_DEPTH: '2',
    ALERTWARDEN_PAGING_THRESHOLD: 'high',
    ALERTWARDEN_INSPECTORS: 'blocklist,geoip,aws-ip-ranges',
    ALERTWARDEN_EMITTERS: 'console,sns',
    ALERTWARDEN_BLOCKLISTS: '',
    ALERTWARDEN_REPORT_TOPIC_ARN: { Ref: 'ReportTopic' },
    ALERTWARDEN_RECORD_TTL_DAYS: '30',
    ALERTWARDEN_EXTERNAL_INSPECTORS: '[]',
    // Names of the intel inspectors' key parameters (not keys): every function checks a named intel inspector has one.
    ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: '',
    ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER: '',
    ALERTWARDEN_ROUND_DEADLINE_SECONDS: '900',
    ALERTWARDEN_ROUND_RETRY_SECONDS: '60',
    ALERTWARDEN_ROUND_MAX_REDRIVES: '3',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    POWERTOOLS_SERVICE_NAME: 'alertwarden',
    POWERTOOLS_METRICS_NAMESPACE: `AlertWarden/${STAGE}`,
  };
  // Only the emitters use credentials and quarantine; only emit is told where they are.
  const emitOnly = {
    ALERTWARDEN_SECRETS_PATH: `/alertwarden/${STAGE}`,
    ALERTWARDEN_EMISSION_LEASE_SECONDS: '60',
    ALERTWARDEN_SLACK_WEBHOOK_PARAMETER: '',
    ALERTWARDEN_SLACK_TOKEN_PARAMETER: '',
    ALERTWARDEN_SLACK_CHANNEL: '',
    ALERTWARDEN_SLACK_MIN_SEVERITY: 'low',
    ALERTWARDEN_SLACK_RULES: '',
    ALERTWARDEN_SLACK_EXCLUDE_RULES: '',
    ALERTWARDEN_REPORT_LINK: 'console',
    ALERTWARDEN_PAGERDUTY_ROUTING_KEY_PARAMETER: '',
    ALERTWARDEN_PAGERDUTY_MIN_SEVERITY: 'high',
    ALERTWARDEN_PAGERDUTY_RULES: '',
    ALERTWARDEN_PAGERDUTY_EXCLUDE_RULES: '',
    ALERTWARDEN_GITHUB_REPOSITORY: '',
    ALERTWARDEN_GITHUB_API_URL: '',
    ALERTWARDEN_GITHUB_CLOSE_ON_SAFE: 'true',
    ALERTWARDEN_GITHUB_MIN_SEVERITY: 'medium',
    ALERTWARDEN_GITHUB_RULES: '',
    ALERTWARDEN_GITHUB_EXCLUDE_RULES: '',
    ALERTWARDEN_EMAIL_FROM: '',
    ALERTWARDEN_EMAIL_TO_LOW: '',
    ALERTWARDEN_EMAIL_TO_MEDIUM: '',
    ALERTWARDEN_EMAIL_TO_HIGH: '',
    ALERTWARDEN_EMAIL_TO_CRITICAL: '',
    ALERTWARDEN_EMAIL_MIN_SEVERITY: 'low',
    ALERTWARDEN_EMAIL_RULES: '',
    ALERTWARDEN_EMAIL_EXCLUDE_RULES: '',
    ALERTWARDEN_WEBHOOK_URL_PARAMETER: '',
    ALERTWARDEN_WEBHOOK_SECRET_PARAMETER: '',
    ALERTWARDEN_GITHUB_TOKEN_PARAMETER: '',
    ALERTWARDEN_QUARANTINE_MODE: 'off',
    ALERTWARDEN_QUARANTINE_MIN_SEVERITY: 'critical',
    ALERTWARDEN_QUARANTINE_ACCOUNTS: '',
    ALERTWARDEN_QUARANTINE_REQUIRED_TAGS: '',
    ALERTWARDEN_QUARANTINE_MAX_ACTIONS_PER_HOUR: '10',
    ALERTWARDEN_QUARANTINE_DETACH_PROFILE: 'false',
    ALERTWARDEN_QUARANTINE_STOP: 'false',
    ALERTWARDEN_QUARANTINE_TERMINATE: 'false',
    ALERTWARDEN_QUARANTINE_DENY_ALL_POLICY: 'false',
  };
  for (const key of Object.keys(FUNCTIONS)) {
    const vars = R[lambdaId(key)]!.Properties.Environment.Variables as Record<string, Json>;
    for (const [name, value] of Object.entries(common)) assert.deepEqual(vars[name], value, `${key}.${name}`);
    if (key === 'ingest' || key === 'sweepRounds') assert.deepEqual(vars.ALERTWARDEN_STATE_MACHINE_ARN, { Ref: 'AlertPipelineStateMachine' });
    else if (key === 'finishRun') assert.deepEqual(vars.ALERTWARDEN_STATE_MACHINE_ARN, { 'Fn::Sub': PIPELINE_ARN_SUB });
    else assert.equal(vars.ALERTWARDEN_STATE_MACHINE_ARN, undefined, `${key} must not start pipelines`);
    // Only inspect loads the inspectors' reference data, so only inspect is told where it is.
    const inspectOnly = {
      ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS: '300',
      ALERTWARDEN_AWS_IP_RANGES: '',
      ALERTWARDEN_AWS_IP_RANGES_REFRESH_SECONDS: '86400',
      ALERTWARDEN_GEOIP_LOCATION_DB: '',
      ALERTWARDEN_GEOIP_ASN_DB: '',
    };
    for (const [name, value] of Object.entries(inspectOnly)) assert.deepEqual(vars[name], key === 'inspect' ? value : undefined, `${key}.${name}`);
    // Only review may read config/*, so only review is told where a custom policy lives.
    assert.equal(vars.ALERTWARDEN_REVIEW_POLICY, key === 'review' ? '' : undefined, `${key}.ALERTWARDEN_REVIEW_POLICY`);
    for (const [name, value] of Object.entries(emitOnly)) assert.deepEqual(vars[name], key === 'emit' ? value : undefined, `${key}.${name}`);
    // Secrets by reference: a credential-like variable holds an SSM parameter name under the path, never a value.
    for (const [name, value] of Object.entries(vars)) {
      if (!/SECRET|TOKEN|PASSWORD|WEBHOOK|API_KEY|ROUTING_KEY|CREDENTIAL/.test(name)) continue;
      assert.match(name, /_(PARAMETER|PATH)$/, `${key}.${name} looks like a secret value`);
      assert.ok(value === '' || (typeof value === 'string' && value.startsWith(`/alertwarden/${STAGE}`)), `${key}.${name}=${JSON.stringify(value)} is not a parameter name under the secrets path`);
    }
    // The deployed values pass the runtime's own configuration schema.
    const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${refText(v)}`]));
    const config = loadConfig(env);
    assert.equal(config.aggregationWindowSeconds, 10_800);
    assert.equal(config.pagingThreshold, 'high');
    assert.deepEqual(config.emitters, ['console', 'sns']);
    // The emitters' own settings pass their schemas; a notifier joins only once its secret parameter is named.
    if (key === 'emit') {
      assert.equal(config.reportLink, 'console');
      env.ALERTWARDEN_REPORT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:alertwarden-reports';
      assert.deepEqual(builtinEmitters(env).map((e) => e.name), ['console', 'file', 'sns']);
      const named = {
        ALERTWARDEN_SLACK_WEBHOOK_PARAMETER: `/alertwarden/${STAGE}/slack-webhook`,
        ALERTWARDEN_PAGERDUTY_ROUTING_KEY_PARAMETER: `/alertwarden/${STAGE}/pagerduty`,
        ALERTWARDEN_GITHUB_TOKEN_PARAMETER: `/alertwarden/${STAGE}/github-token`,
        ALERTWARDEN_GITHUB_REPOSITORY: 'acme/security-incidents',
        ALERTWARDEN_EMAIL_FROM: 'alertwarden@example.com',
        ALERTWARDEN_EMAIL_TO_HIGH: 'secops@example.com',
        ALERTWARDEN_WEBHOOK_URL_PARAMETER: `/alertwarden/${STAGE}/webhook-url`,
        ALERTWARDEN_WEBHOOK_SECRET_PARAMETER: `/alertwarden/${STAGE}/webhook-secret`,
      };
      assert.deepEqual(builtinEmitters({ ...env, ...named }).map((e) => e.name), ['console', 'file', 'sns', 'slack', 'pagerduty', 'github', 'email', 'webhook']);
    }
  }
});

test('every reference resolves and the resource graph has no cycle', () => {
  const pseudo = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NoValue']);
  const edges = new Map<string, Set<string>>();
  for (const [id, r] of Object.entries(R)) {
    const deps = references(r.Properties);
    for (const d of asArray(r.DependsOn)) deps.add(d);
    for (const d of deps) {
      if (pseudo.has(d)) deps.delete(d);
      else assert.ok(d in R, `${id} references unknown ${d}`);
    }
    if (r.Condition) assert.ok(template.Conditions && r.Condition in template.Conditions, `${id}: unknown condition`);
    edges.set(id, deps);
  }
  for (const [name, o] of Object.entries(template.Outputs ?? {})) {
    for (const d of references(o.Value)) assert.ok(pseudo.has(d) || d in R, `output ${name} references unknown ${d}`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    assert.notEqual(state.get(id), 'visiting', `dependency cycle: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const d of edges.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
  // The pipeline waits on its functions, child machine and role; ingest waits on the pipeline.
  const closure = (id: string, seen = new Set<string>()): Set<string> => {
    for (const d of edges.get(id) ?? []) if (!seen.has(d)) closure(d, seen.add(d));
    return seen;
  };
  assert.ok(closure('IngestLambdaFunction').has('AlertPipelineStateMachine'));
  assert.ok(closure('AlertPipelineStateMachine').has('AlertRoundStateMachine'));
  assert.ok(!closure('AlertPipelineStateMachine').has('IngestLambdaFunction'));
  // The pipeline depends on finishRun (RecordPipelineFailure), so finishRun must not depend on the pipeline.
  assert.ok(closure('AlertPipelineStateMachine').has('FinishRunLambdaFunction'));
  assert.ok(!closure('FinishRunLambdaFunction').has('AlertPipelineStateMachine'));
  assert.ok(!closure('FinishRunRole').has('AlertPipelineStateMachine'));
});

test('one place for configuration: every param is declared under params.default, quarantine mode is off, no external plugin by default', async () => {
  const yml = await readFile(join(ROOT, 'serverless.yml'), 'utf8');
  const lines = yml.split('\n');
  const start = lines.indexOf('  default:', lines.indexOf('params:'));
  assert.ok(start > 0, 'serverless.yml has no params.default');
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  const declared = new Set(lines.slice(start + 1, end).flatMap((l) => /^ {4}(\w+):/.exec(l)?.[1] ?? []));
  const used = new Set([...yml.matchAll(/\$\{param:(\w+)\}/g)].map((m) => m[1]!));
  assert.ok(used.size >= 15, `found only ${used.size} params`);
  for (const name of used) assert.ok(declared.has(name), `\${param:${name}} is used but not declared under params.default`);
  for (const name of ['quarantineMode', 'secretsPath', 'slackWebhookParameter', 'externalInspectors', 'externalReviewer', 'tracing', 'logRetentionDays', 'inspectors', 'emitters', 'pagingThreshold', 'aggregationDelaySeconds', 'aggregationWindowSeconds']) {
    assert.ok(declared.has(name), `params.default lacks ${name}`);
  }
  const quarantine = R.EmitLambdaFunction!.Properties.Environment.Variables.ALERTWARDEN_QUARANTINE_MODE;
  assert.ok(['off', 'dry-run', 'enforce'].includes(quarantine), `quarantine mode ${quarantine}`);
  assert.equal(quarantine, 'off', 'automatic response must be opt-in');
  // No value in the template looks like a credential (AWS keys, Slack webhooks, GitHub tokens, PagerDuty keys).
  const text = JSON.stringify(template);
  assert.doesNotMatch(text, /AKIA[0-9A-Z]{16}|hooks\.slack\.com\/services\/|gh[pousr]_[A-Za-z0-9]{20,}|xox[baprs]-/);
});

test('external plugins: invoke granted only on the configured functions, to the inspect or review role, and nothing when none is configured', () => {
  const inspectors = resource('ExternalInspectorsInvokePolicy', 'AWS::IAM::Policy');
  const reviewer = resource('ExternalReviewerInvokePolicy', 'AWS::IAM::Policy');
  assert.deepEqual([inspectors.Condition, reviewer.Condition], ['HasExternalInspectors', 'HasExternalReviewer']);
  assert.equal(conditionValue(template, 'HasExternalInspectors'), false);
  assert.equal(conditionValue(template, 'HasExternalReviewer'), false);
  assert.deepEqual(inspectors.Properties.Roles, [{ Ref: 'InspectRole' }]);
  assert.deepEqual(reviewer.Properties.Roles, [{ Ref: 'ReviewRole' }]);
  for (const policy of [inspectors, reviewer]) {
    const [statement, ...more] = asArray<Statement>(policy.Properties.PolicyDocument.Statement);
    assert.equal(more.length, 0);
    assert.equal(statement!.Action, 'lambda:InvokeFunction');
    for (const r of asArray(statement!.Resource)) assert.match(refText(r), /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$/);
  }
  // Every function sees the same inspector set; only review is told about an external reviewer.
  for (const key of Object.keys(FUNCTIONS)) {
    const vars = R[lambdaId(key)]!.Properties.Environment.Variables as Record<string, Json>;
    assert.equal(vars.ALERTWARDEN_EXTERNAL_INSPECTORS, '[]', key);
    assert.equal(vars.ALERTWARDEN_EXTERNAL_REVIEWER, key === 'review' ? '' : undefined, key);
  }
});

test('the tester stack: its recorder has its own least-privilege role and subscribes to the main stack export', async () => {
  const T = tester.Resources;
  assert.deepEqual(ofType('AWS::Lambda::Function', T).map(([id]) => id).sort(), ['InspectorLambdaFunction', 'RecordReportLambdaFunction']);
  // The test inspector: a Lambda of the tester stack, named as stage `it` names it in externalInspectors.
  const inspector = resource('InspectorLambdaFunction', 'AWS::Lambda::Function', T).Properties;
  assert.equal(inspector.FunctionName, `alertwarden-tester-${STAGE}-inspector`);
  assert.equal(inspector.Handler, 'functions/inspector.handler');
  assert.deepEqual(inspector.Role, { 'Fn::GetAtt': ['InspectorRole', 'Arn'] });
  assert.deepEqual([...grants('InspectorRole', T)].sort(), ['logs:CreateLogStream @ GetAtt:InspectorLogGroup.Arn', 'logs:PutLogEvents @ GetAtt:InspectorLogGroup.Arn']);
  assert.match(await readFile(join(ROOT, 'serverless.yml'), 'utf8'), /externalInspectors: '\[\{"name":"tester","accepts":\["domain","ipaddr"\],"function":"alertwarden-tester-it-inspector"\}\]'/);
  const fn = resource('RecordReportLambdaFunction', 'AWS::Lambda::Function', T).Properties;
  assert.equal(fn.Runtime, 'nodejs22.x');
  assert.deepEqual(fn.Architectures, ['arm64']);
  assert.equal(fn.Handler, 'functions/record-report.handler');
  assert.deepEqual(fn.Environment.Variables.TESTER_RECORDING_TABLE, { Ref: 'RecordingTable' });
  assert.deepEqual(fn.Role, { 'Fn::GetAtt': ['RecordReportRole', 'Arn'] });
  assert.equal(T.IamRoleLambdaExecution, undefined);
  assert.deepEqual(
    [...grants('RecordReportRole', T)].sort(),
    ['dynamodb:PutItem @ GetAtt:RecordingTable.Arn', 'logs:CreateLogStream @ GetAtt:RecordReportLogGroup.Arn', 'logs:PutLogEvents @ GetAtt:RecordReportLogGroup.Arn'],
  );
  const zip = await readZip(join(testerOutDir, 'recordReport.zip'));
  assert.ok(zip.get('functions/record-report.mjs')?.toString('utf8').match(/export\s*\{[^}]*\bhandler\b/), 'recordReport.zip lacks the handler');

  // The plug: the name the tester imports is the name the main stack exports, for the same stage.
  const exported = template.Outputs?.ReportTopicArn;
  assert.deepEqual(exported?.Value, { Ref: 'ReportTopic' });
  const exportName = exported?.Export?.Name;
  assert.equal(exportName, `alertwarden-${STAGE}-ReportTopicArn`);
  const sub = resource('ReportTopicSubscription', 'AWS::SNS::Subscription', T).Properties;
  assert.deepEqual(sub, { TopicArn: { 'Fn::ImportValue': exportName }, Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['RecordReportLambdaFunction', 'Arn'] } });
  const permission = resource('ReportTopicInvokesRecorder', 'AWS::Lambda::Permission', T).Properties;
  assert.deepEqual(permission, {
    Action: 'lambda:InvokeFunction',
    FunctionName: { 'Fn::GetAtt': ['RecordReportLambdaFunction', 'Arn'] },
    Principal: 'sns.amazonaws.com',
    SourceArn: { 'Fn::ImportValue': exportName },
  });
  // What the integration target reads: the recording table from the tester outputs, the alert topic from the main ones.
  assert.deepEqual(tester.Outputs?.RecordingTableName?.Value, { Ref: 'RecordingTable' });
  assert.deepEqual(template.Outputs?.AlertTopicArn?.Value, { Ref: 'AlertTopic' });
  const table = resource('RecordingTable', 'AWS::DynamoDB::Table', T).Properties;
  assert.deepEqual(table.KeySchema, [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ]);
  assert.deepEqual(table.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
});

test('the cost model reads the deployment right: memory and architecture per function, keys, alarms, polled queues', () => {
  const configs = readFunctionConfigs();
  assert.deepEqual(Object.keys(configs).sort(), Object.keys(FUNCTIONS).sort());
  for (const [key, c] of Object.entries(configs)) {
    const fn = resource(lambdaId(key), 'AWS::Lambda::Function').Properties;
    assert.equal(fn.MemorySize, c.memoryMb, `${key} memory`);
    assert.deepEqual(fn.Architectures, [c.architecture], `${key} architecture`);
  }
  assert.deepEqual(readFixedResources(), {
    kmsKeys: ofType('AWS::KMS::Key').length,
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    polledQueues: ofType('AWS::Lambda::EventSourceMapping').length,
  });
});
