import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The context Lambda gives a handler, as far as middy and Powertools read it. */
export function lambdaContext(functionName: string, memoryMb: number, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type InvocationState = Record<string | symbol, unknown>;

/** The keys Lambda's runtime fills in for each invocation (those of `@aws/lambda-invoke-store`). */
const REQUEST_ID = Symbol.for('_AWS_LAMBDA_REQUEST_ID');
const X_RAY_TRACE_ID = Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID');
/** Which function an invocation is of: the local twins of its IAM policy read it (local/table-access-check.ts). */
const FUNCTION_NAME = Symbol('mxflow.functionName');

/**
 * What Lambda's runtime gives Powertools when one process serves several invocations at once
 * (`AWS_LAMBDA_MAX_CONCURRENCY`): a store scoped to each invocation, where Logger keeps its
 * Lambda context and appended keys, Metrics its buffer and Tracer its segment. Locally every
 * function runs in this one process, so each invocation gets a scope of its own here too.
 * Outside any invocation (a module loading, a test) it holds one shared state, as Lambda's
 * single-invocation store does, so nothing there fails for lack of a scope.
 */
class LocalInvokeStore {
  readonly #invocations = new AsyncLocalStorage<InvocationState>();
  readonly #outsideInvocations: InvocationState = {};

  getContext(): InvocationState {
    return this.#invocations.getStore() ?? this.#outsideInvocations;
  }
  hasContext(): boolean {
    return this.#invocations.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.getContext()[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (key === REQUEST_ID || key === X_RAY_TRACE_ID) throw new Error(`${String(key)} is the runtime's to set`);
    this.getContext()[key] = value;
  }
  run<T>(state: InvocationState, fn: () => T): T {
    return this.#invocations.run(state, fn);
  }
  getRequestId(): string {
    return this.get<string>(REQUEST_ID) ?? '-';
  }
  getXRayTraceId(): string | undefined {
    return this.get<string>(X_RAY_TRACE_ID);
  }
  getTenantId(): undefined {
    return undefined;
  }
  getTraceparent(): undefined {
    return undefined;
  }
  getTracestate(): undefined {
    return undefined;
  }
  getBaggage(): undefined {
    return undefined;
  }
}

const runtimeGlobals = globalThis as unknown as { awslambda?: { InvokeStore?: unknown } };

function localInvokeStore(): LocalInvokeStore {
  runtimeGlobals.awslambda ??= {};
  const lambda = runtimeGlobals.awslambda;
  if (!(lambda.InvokeStore instanceof LocalInvokeStore)) lambda.InvokeStore = new LocalInvokeStore();
  // Powertools reads the per-invocation store only when Lambda says invocations may overlap.
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '1000';
  return lambda.InvokeStore as LocalInvokeStore;
}

/**
 * Runs one invocation of a handler as Lambda would: with its own context, and with Powertools'
 * per-invocation state of its own, so its log lines name its function and its job even while
 * other functions' invocations interleave with it in this process.
 */
export function invokeLocally<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  context: Context,
): Promise<R> {
  return localInvokeStore().run({ [REQUEST_ID]: context.awsRequestId, [FUNCTION_NAME]: context.functionName }, () =>
    handler(event, context),
  );
}

/** The function whose invocation is running here, or undefined outside any. */
export function invokedFunctionName(): string | undefined {
  const store = localInvokeStore();
  return store.hasContext() ? store.get<string>(FUNCTION_NAME) : undefined;
}
