/**
 * A port whose adapter (its code and the SDK client under it) is imported and built on the
 * first call of any of its methods: a Lambda's Init phase then loads no AWS SDK at all, and a
 * function pays for the DynamoDB client once, when it first touches the table.
 *
 * Only for ports whose methods all return promises (every store port here): a caller cannot
 * tell the difference, except that a failed load rejects that call and is retried by the next.
 */
export type AsyncPort<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : never };

export const portLoadedOnFirstCall = <T extends AsyncPort<T>>(load: () => Promise<T>): T => {
  let loaded: Promise<T> | undefined;
  const adapter = () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined; // a transient failure (an import, a credential) must not poison the container
      throw error;
    }));
  const methods = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  // A method assigned on the port (a test's fault injection wrapping the original) replaces the
  // loaded one, as it would on the adapter itself.
  return new Proxy({} as T, {
    get: (own, key) => {
      if (Object.hasOwn(own, key)) return (own as Record<PropertyKey, unknown>)[key];
      // Not a thenable: `await port` must give the port, not call a method named then.
      if (key === 'then' || typeof key === 'symbol') return undefined;
      let method = methods.get(key);
      if (!method) {
        method = async (...args: unknown[]) => {
          const target = (await adapter()) as Record<PropertyKey, unknown>;
          const fn = target[key];
          if (typeof fn !== 'function') throw new TypeError(`${String(key)} is not a method of the loaded adapter`);
          return (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
        methods.set(key, method);
      }
      return method;
    },
  });
};
