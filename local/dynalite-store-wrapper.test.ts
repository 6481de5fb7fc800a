import { expect, test } from 'vitest';
import { wrapEveryStore } from './dynalite-store-wrapper.mjs';

/** A stand-in for dynalite's db module: `create` makes a store that records who wrapped it. */
const fakeDynalite = () => {
  const dbModule = { create: (options: { name: string }) => ({ name: options.name, wrappedBy: [] as string[] }) };
  return { dbModule, requireFromDynalite: (id: string) => (id === './db/index.js' ? dbModule : undefined) };
};
type Store = ReturnType<ReturnType<typeof fakeDynalite>['dbModule']['create']>;
const tagWith = (tag: string) => (store: Store, stats: { stores: number }) => {
  stats.stores++;
  store.wrappedBy.push(tag);
  return store;
};

test('two installers in turn, each installed again: one wrapper each, found through the other, and their own counts', () => {
  const { dbModule, requireFromDynalite } = fakeDynalite();
  const cache = wrapEveryStore(requireFromDynalite, 'cacheStats', { stores: 0 }, tagWith('cache'));
  const reads = wrapEveryStore(requireFromDynalite, 'readStats', { stores: 0 }, tagWith('reads'));
  expect(wrapEveryStore(requireFromDynalite, 'cacheStats', { stores: 0 }, tagWith('cache')), 'the first installer again, under the second').toBe(cache);
  expect(wrapEveryStore(requireFromDynalite, 'readStats', { stores: 0 }, tagWith('reads'))).toBe(reads);
  const store = dbModule.create({ name: 'one' });
  expect(store.wrappedBy).toEqual(['cache', 'reads']);
  expect(store.name, 'the store dynalite made, wrapped').toBe('one');
  expect([cache.stores, reads.stores]).toEqual([1, 1]);
});
