// aws-local-stepfunctions uses Promise.withResolvers (Node >= 22); Node 20 needs this before it loads.
const P = Promise as unknown as { withResolvers?: unknown };
P.withResolvers ??= function withResolvers<T>(this: PromiseConstructor) {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new this<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
export {};
