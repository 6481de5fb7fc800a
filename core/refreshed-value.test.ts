import assert from 'node:assert/strict';
import { test } from 'vitest';
import { refreshedValue } from './refreshed-value.ts';

const setup = (results: Array<string | Error>) => {
  const clock = { t: 0 };
  const errors: string[] = [];
  let loads = 0;
  const value = refreshedValue(
    async () => {
      const next = results[loads++];
      if (next instanceof Error || next === undefined) throw next ?? new Error('no more results');
      return next;
    },
    { intervalMs: 100, now: () => clock.t, onRefreshError: (e) => errors.push(String(e)) },
  );
  return { clock, errors, value, loads: () => loads };
};

test('one load for concurrent first callers; a failed first load is thrown and retried by the next caller', async () => {
  const { value, loads } = setup([new Error('throttled'), 'v1']);
  assert.equal(value.current(), undefined);
  await assert.rejects(Promise.all([value.ready(), value.ready()]), /throttled/);
  assert.equal(loads(), 1);
  assert.equal(await value.ready(), 'v1');
  assert.equal(loads(), 2);
});

test('readers get the loaded value at once; an old value is reloaded in the background', async () => {
  const { clock, value, loads } = setup(['v1', 'v2']);
  await value.ready();
  clock.t = 99;
  assert.equal(value.current(), 'v1');
  assert.equal(loads(), 1);
  clock.t = 100;
  assert.equal(value.current(), 'v1', 'not waiting for the reload');
  assert.equal(value.current(), 'v1');
  await value.settled();
  assert.equal(loads(), 2, 'one reload however many readers');
  assert.equal(value.current(), 'v2');
});

test('a failed reload keeps the old value, is reported, and is retried one interval later', async () => {
  const { clock, errors, value, loads } = setup(['v1', new Error('S3 down'), 'v3']);
  await value.ready();
  clock.t = 150;
  value.current();
  await value.settled();
  assert.deepEqual(errors, ['Error: S3 down']);
  assert.equal(value.current(), 'v1');
  clock.t = 249;
  value.current();
  await value.settled();
  assert.equal(loads(), 2);
  clock.t = 250;
  value.current();
  await value.settled();
  assert.equal(value.current(), 'v3');
});
