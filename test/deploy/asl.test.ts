/**
 * Static checks of the state machine definitions against the deployment: both ASL files are valid
 * (asl-validator, the same validator serverless-step-functions runs), and every intrinsic inside
 * them names something serverless.yml declares. No packaging needed; runs in well under a second.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, type Json } from './support.ts';

interface AslValidation {
  isValid: boolean;
  errors: unknown[];
  errorsText: (separator?: string) => string;
}
type AslValidator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => AslValidation;
// asl-validator is CommonJS (`module.exports = function validator(...)`) and ships no types.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (...p: string[]): string => readFileSync(join(ROOT, ...p), 'utf8');
const ASL_FILES = ['alert-pipeline.asl.json', 'alert-round.asl.json'] as const;
const asl = (file: string): Json => JSON.parse(read('statemachines', file));

/** Top-level keys of a block, read from serverless.yml text (two-space indentation). */
const blockKeys = (yml: string, block: string, indent: string): string[] => {
  const lines = yml.split('\n');
  const start = lines.findIndex((l) => l === `${block}:` || l.startsWith(`${block}:`));
  assert.ok(start >= 0, `serverless.yml has no ${block}:`);
  const keys: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = new RegExp(`^${indent}([A-Za-z0-9_-]+):\\s*(#.*)?$`).exec(line);
    if (m) keys.push(m[1]!);
  }
  return keys;
};

const yml = read('serverless.yml');
const functionKeys = blockKeys(yml, 'functions', '  ');
const stateMachineIds = [...yml.matchAll(/^ {6}id: (\w+)\s*$/gm)].map((m) => m[1]!);
/** osls naming: first letter upper-cased, '-' -> 'Dash', '_' -> 'Underscore', + 'LambdaFunction'. */
const lambdaLogicalId = (key: string): string =>
  `${key[0]!.toUpperCase()}${key.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore') + 'LambdaFunction';


/** Task states at any depth (Map ItemProcessor/Iterator, Parallel branches). */
const tasks = (def: Json): [string, Json][] => {
  const out: [string, Json][] = [];
  const walk = (states: Json): void => {
    for (const [name, s] of Object.entries<Json>(states ?? {})) {
      if (s.Type === 'Task') out.push([name, s]);
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
      if (s.Iterator) walk(s.Iterator.States);
      for (const b of s.Branches ?? []) walk(b.States);
    }
  };
  walk(def.States);
  return out;
};

test('serverless.yml declares the eight pipeline functions (the round sweeper included), the five detector sources and both state machines (parser sanity)', () => {
  assert.deepEqual(functionKeys, ['ingest', 'planInspection', 'inspect', 'recordFailure', 'review', 'emit', 'finishRun', 'sweepRounds', 'cloudTrailEvents', 'cloudTrailLogs', 'cloudTrailFiles', 'flowLogLogs', 'flowLogFiles']);
  assert.deepEqual(stateMachineIds, ['AlertPipelineStateMachine', 'AlertRoundStateMachine']);
});

for (const file of ASL_FILES) {
  test(`${file} is valid ASL`, () => {
    const result = aslValidator(structuredClone(asl(file)));
    assert.equal(result.errorsText(), '');
    assert.equal(result.isValid, true);
  });

  test(`${file}: every Fn::GetAtt names a Lambda declared in serverless.yml, every Ref a state machine`, () => {
    const def = asl(file);
    const declared = new Set(functionKeys.map(lambdaLogicalId));
    const getAtts = collect(def, 'Fn::GetAtt');
    assert.ok(getAtts.length > 0, 'expected Lambda references');
    for (const g of getAtts) {
      assert.ok(Array.isArray(g) && g.length === 2, `malformed Fn::GetAtt ${JSON.stringify(g)}`);
      assert.ok(declared.has(g[0]), `${g[0]} is not a function in serverless.yml (have ${[...declared].join(', ')})`);
      assert.equal(g[1], 'Arn');
    }
    for (const r of collect(def, 'Ref')) assert.ok(stateMachineIds.includes(r), `Ref ${r} is not a declared state machine id`);
    // Only these intrinsics are substituted by serverless-step-functions.
    const intrinsic = JSON.stringify(def).match(/"(Fn::\w+)"/g) ?? [];
    assert.deepEqual([...new Set(intrinsic)], intrinsic.length ? ['"Fn::GetAtt"'] : []);
  });

  test(`${file}: Lambda tasks name their function statically (so IAM stays scoped)`, () => {
    for (const [name, s] of tasks(asl(file))) {
      if (s.Resource !== 'arn:aws:states:::lambda:invoke') continue;
      // A "FunctionName.$" path would make the generated policy lambda:InvokeFunction on "*".
      assert.equal(s.Parameters['FunctionName.$'], undefined, name);
      assert.ok(s.Parameters.FunctionName?.['Fn::GetAtt'], `${name} must use {"Fn::GetAtt": [<Fn>LambdaFunction, "Arn"]}`);
    }
  });
}

test('the Express round step uses no .sync / .waitForTaskToken integrations; only the pipeline waits on it', () => {
  // Express workflows reject them; only the Standard pipeline may wait on a child.
  const roundTasks = tasks(asl('alert-round.asl.json'));
  assert.ok(roundTasks.length > 0, 'the round step has no tasks');
  for (const [name, s] of roundTasks) {
    assert.doesNotMatch(String(s.Resource), /\.(sync|waitForTaskToken)/, name);
  }
  const pipelineChildCalls = tasks(asl('alert-pipeline.asl.json')).filter(([, s]) => String(s.Resource).includes(':states:startExecution'));
  assert.deepEqual(
    pipelineChildCalls.map(([n, s]) => [n, s.Resource, s.Parameters.StateMachineArn, s.Parameters.Input.phase]),
    [
      ['Triage', 'arn:aws:states:::states:startExecution.sync:2', { Ref: 'AlertRoundStateMachine' }, 'preliminary'],
      ['Conclude', 'arn:aws:states:::states:startExecution.sync:2', { Ref: 'AlertRoundStateMachine' }, 'final'],
    ],
  );
});

/** Lambda task state -> logical id of the function it invokes. */
const lambdaTargets = (def: Json): [string, string][] =>
  tasks(def)
    .filter(([, s]) => s.Resource === 'arn:aws:states:::lambda:invoke')
    .map(([n, s]) => [n, s.Parameters.FunctionName['Fn::GetAtt'][0]]);

test('the pipeline (Standard) is Triage -> WaitForAggregation -> Conclude; its only Lambda task records a failed round', () => {
  const def = asl('alert-pipeline.asl.json');
  // The happy path: three billed transitions per round.
  const path: string[] = [];
  for (let name: string | undefined = def.StartAt; name; name = def.States[name].End ? undefined : def.States[name].Next) {
    assert.ok(!path.includes(name), `loop at ${name}`);
    path.push(name);
  }
  assert.deepEqual(path, ['Triage', 'WaitForAggregation', 'Conclude']);
  assert.deepEqual(lambdaTargets(def), [['RecordPipelineFailure', 'FinishRunLambdaFunction']]);
  // Both child calls fall to the failure recorder, which ends in a Fail state.
  for (const name of ['Triage', 'Conclude']) {
    assert.deepEqual(def.States[name].Catch.map((c: Json) => [c.ErrorEquals, c.Next]), [[['States.ALL'], 'RecordPipelineFailure']], name);
  }
  assert.equal(def.States[def.States.RecordPipelineFailure.Next].Type, 'Fail');
});

test('the round step (Express) invokes plan, inspect, record failure, review, emit and finish', () => {
  assert.deepEqual(lambdaTargets(asl('alert-round.asl.json')), [
    ['PlanInspection', 'PlanInspectionLambdaFunction'],
    ['RunInspector', 'InspectLambdaFunction'],
    ['RecordInspectionFailure', 'RecordFailureLambdaFunction'],
    ['Review', 'ReviewLambdaFunction'],
    ['EmitToEmitter', 'EmitLambdaFunction'],
    ['RecordEmitFailure', 'RecordFailureLambdaFunction'],
    ['FinishRound', 'FinishRunLambdaFunction'],
  ]);
});

/** Lambda timeouts from serverless.yml: a function's own `timeout:`, else the provider's. */
const lambdaTimeouts = (): Map<string, number> => {
  const provider = Number(/^provider:[\s\S]*?^ {2}timeout: (\d+)\s*$/m.exec(yml)?.[1]);
  assert.ok(provider > 0, 'provider timeout');
  const custom = Object.fromEntries([...yml.matchAll(/^ {2}(\w+): (\d+)\s*$/gm)].map((m) => [m[1]!, Number(m[2])]));
  const section = yml.slice(yml.indexOf('\nfunctions:'), yml.indexOf('\nstepFunctions:'));
  const out = new Map<string, number>();
  for (const key of functionKeys) {
    const block = section.slice(section.indexOf(`\n  ${key}:`) + 1).split(/\n  (?=\S)/)[0]!;
    const raw = /^ {4}timeout: (.+)$/m.exec(block)?.[1]?.trim();
    const fromCustom = raw && /\$\{self:custom\.(\w+)\}/.exec(raw)?.[1];
    out.set(lambdaLogicalId(key), raw === undefined ? provider : fromCustom ? custom[fromCustom]! : Number(raw));
  }
  return out;
};

test('every Task has a deliberate TimeoutSeconds: no interpreter default, no retry racing a still-running Lambda', () => {
  // The local engine gives a Task without one 60 s; AWS gives it up to a year.
  const timeouts = lambdaTimeouts();
  const seen: string[] = [];
  for (const file of ASL_FILES) {
    for (const [name, s] of tasks(asl(file))) {
      seen.push(name);
      assert.ok(Number.isInteger(s.TimeoutSeconds) && s.TimeoutSeconds > 0, `${file} ${name}: TimeoutSeconds ${s.TimeoutSeconds}`);
      if (String(s.Resource).includes(':states:startExecution.sync')) {
        // The child is Express (5 minutes at most): the parent waits for it to end, not less.
        assert.ok(s.TimeoutSeconds > 300, `${name} waits ${s.TimeoutSeconds} s for an Express child that may run 300 s`);
      } else if (s.Resource === 'arn:aws:states:::lambda:invoke') {
        // EmitToEmitter too: the emission lease outlasts both (test/deploy/package.test.ts).
        const fn = s.Parameters.FunctionName['Fn::GetAtt'][0];
        assert.ok(s.TimeoutSeconds >= timeouts.get(fn)!, `${name}: ${s.TimeoutSeconds} s < ${fn} timeout ${timeouts.get(fn)} s`);
      }
    }
  }
  assert.equal(seen.length, 10, seen.join(', '));
});

test('the validator rejects a broken definition (the check can fail)', () => {
  const broken = structuredClone(asl('alert-round.asl.json'));
  broken.States.HasPendingInspections.Default = 'NoSuchState';
  const result = aslValidator(broken);
  assert.equal(result.isValid, false);
  assert.match(result.errorsText(), /NoSuchState/);
});
