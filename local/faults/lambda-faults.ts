import { randomUUID } from 'node:crypto';
import type { FaultRandom } from './fault-random.js';

/** How the local Lambdas fail as AWS's do; everything off but the time limit, which is real by default. */
export interface LambdaFaults {
  /**
   * A function's time limit in real ms is its `timeoutSeconds` × 1000 × this (default 1: the
   * real limit). A workflow task past it fails `Sandbox.Timedout` and its result is dropped.
   */
  readonly lambdaTimeScale?: number;
  /** Share of workflow task invocations the Lambda service refuses (`Lambda.TooManyRequestsException`). */
  readonly lambdaThrottleRate?: number;
  /** Share of execution-ended events EventBridge never delivers to the execution-ended function. */
  readonly executionEndedDropRate?: number;
}

export interface LambdaFaultStats {
  readonly throttledInvocations: number;
  readonly timedOutInvocations: number;
  readonly droppedExecutionEndedEvents: number;
}

/** The size of a function as its limits need it. */
interface FunctionLimits {
  readonly id: string;
  readonly timeoutSeconds: number;
}

/** What Step Functions reports for a Lambda that ran out of time. */
class LambdaTimedOut extends Error {
  override name = 'Sandbox.Timedout';
}

/** What Step Functions reports when the Lambda service throttles an invocation. */
class LambdaThrottled extends Error {
  override name = 'Lambda.TooManyRequestsException';
}

/** Decides, by the seeded random, which invocations and deliveries fail, and counts them. */
export class LambdaFaultInjector {
  private readonly counts = { throttledInvocations: 0, timedOutInvocations: 0, droppedExecutionEndedEvents: 0 };
  readonly timeScale: number;

  constructor(
    private readonly faults: LambdaFaults,
    private readonly random: FaultRandom,
  ) {
    this.timeScale = faults.lambdaTimeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) {
      throw new Error(`lambdaTimeScale must be a positive number, got ${this.timeScale}`);
    }
  }

  /** The time limit, in seconds of real time, a function's handler is given here. */
  limitSeconds(fn: FunctionLimits): number {
    return fn.timeoutSeconds * this.timeScale;
  }

  /**
   * Runs one invocation as the Lambda service would: refused before the handler runs when
   * throttled; failed `Sandbox.Timedout` once past the time limit, whatever the handler later
   * returns or throws. Node cannot freeze the handler as Lambda does: it runs on to its end here.
   */
  async invoke<R>(fn: FunctionLimits, run: () => Promise<R>): Promise<R> {
    const requestId = randomUUID();
    if (this.random.chance(this.faults.lambdaThrottleRate)) {
      this.counts.throttledInvocations += 1;
      throw new LambdaThrottled(
        `Rate Exceeded. (Service: Lambda, Status Code: 429, Request ID: ${requestId}) invoking ${fn.id}`,
      );
    }
    const running = (async () => run())();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.counts.timedOutInvocations += 1;
        reject(
          new LambdaTimedOut(
            `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
          ),
        );
      }, this.limitSeconds(fn) * 1000);
    });
    // What the handler ends with after its time is up goes nowhere, as on AWS.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether EventBridge loses this delivery. */
  dropsExecutionEnded(): boolean {
    if (!this.random.chance(this.faults.executionEndedDropRate)) return false;
    this.counts.droppedExecutionEndedEvents += 1;
    return true;
  }

  stats(): LambdaFaultStats {
    return { ...this.counts };
  }
}
