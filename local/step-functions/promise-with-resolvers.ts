/**
 * aws-local-stepfunctions 3.0.0 calls `Promise.withResolvers` (Node 22+) inside every Task
 * state. Node 20 lacks it, so this module installs an equivalent. It must be imported before
 * the library (see engine.ts), and leaves a native implementation alone.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const PromiseWithMaybeResolvers = Promise as PromiseConstructor & {
  withResolvers?: <T>() => Resolvers<T>;
};

if (!PromiseWithMaybeResolvers.withResolvers) {
  PromiseWithMaybeResolvers.withResolvers = function withResolvers<T>(): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
