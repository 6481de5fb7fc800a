/**
 * What the installers that change a dynalite store (local/dynalite-table-cache.mjs,
 * local/dynalite-sync-get.mjs) share: a wrapper around dynalite's db module `create`, so every
 * store made from then on is wrapped. One wrapper per marker however often it is installed, and
 * each wrapper keeps the properties of the `create` it wraps, so each installer still finds its
 * own marker through the chain whichever installed first.
 *
 * Local code only; nothing under node_modules is edited.
 */

/**
 * @template S
 * @param {(id: string) => any} requireFromDynalite a require rooted in dynalite's package (the db module its server uses)
 * @param {string} marker the property of `create` that holds this installer's stats
 * @param {S} stats the installer's counts, handed to `wrap` with every store
 * @param {(store: any, stats: S) => any} wrap changes one store and returns it
 * @returns {S} the counts of the wrapper installed first
 */
export const wrapEveryStore = (requireFromDynalite, marker, stats, wrap) => {
  const dbModule = requireFromDynalite('./db/index.js');
  if (dbModule.create[marker]) return dbModule.create[marker];
  const create = dbModule.create;
  const wrapped = function (options) {
    return wrap(create.call(this, options), stats);
  };
  Object.assign(wrapped, create);
  wrapped[marker] = stats;
  dbModule.create = wrapped;
  return stats;
};
