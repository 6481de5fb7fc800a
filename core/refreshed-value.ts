/**
 * A value loaded once and reloaded in the background when it gets old: the shape of every
 * inspector's reference data (lists, range files). Readers never wait for a reload, and a
 * failed reload keeps the value loaded earlier.
 */
export interface RefreshedValue<T> {
  /** The value, loading it first if nothing is loaded; concurrent callers share one load. A failed load is thrown and not kept. */
  ready(): Promise<T>;
  /** The loaded value (undefined before the first load), starting a background reload when it is older than the interval. */
  current(): T | undefined;
  /** Settles when the background reload running now (if any) is done. */
  settled(): Promise<void>;
}

export interface RefreshedValueOptions {
  intervalMs: number;
  now?: () => number;
  /** A background reload failed; the earlier value stays, and the next try is one interval later. */
  onRefreshError(error: unknown): void;
}

/**
 * @example
 * const ranges = refreshedValue(() => loadRanges(location), { intervalMs: 86_400_000, onRefreshError: (e) => logger.warn(String(e)) });
 * await ranges.ready();          // at start
 * ranges.current()?.lookup(ip);  // per inspection: never downloads
 */
export const refreshedValue = <T>(load: () => Promise<T>, options: RefreshedValueOptions): RefreshedValue<T> => {
  const now = options.now ?? Date.now;
  let value: { data: T; loadedAt: number } | undefined;
  let loading: Promise<T> | undefined;
  let refreshing: Promise<void> | undefined;
  return {
    ready() {
      if (value) return Promise.resolve(value.data);
      loading ??= load()
        .then((data) => {
          value = { data, loadedAt: now() };
          return data;
        })
        .finally(() => {
          loading = undefined;
        });
      return loading;
    },
    current() {
      if (!value) return undefined;
      if (!refreshing && now() - value.loadedAt >= options.intervalMs) {
        const stale = value;
        refreshing = load()
          .then((data) => {
            value = { data, loadedAt: now() };
          })
          .catch((error: unknown) => {
            stale.loadedAt = now();
            options.onRefreshError(error);
          })
          .finally(() => {
            refreshing = undefined;
          });
      }
      return value.data;
    },
    async settled() {
      await refreshing;
    },
  };
};
