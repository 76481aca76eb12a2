import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitName } from '@aws-lambda-powertools/metrics/types';
import { ACCESS_REFUSED_CODES, type MxCallRecord } from '#shared/mx/index.js';

/** mxflow's CloudWatch namespace and metric names: the dashboard and alarms read these. */
export const METRICS_NAMESPACE = 'mxflow';
export const METRIC = {
  jobsStarted: 'JobsStarted',
  jobsEnded: 'JobsEnded',
  jobsFailed: 'JobsFailed',
  pollsPerJob: 'PollsPerJob',
  challengeWaitSeconds: 'ChallengeWaitSeconds',
  mxCalls: 'MxCalls',
  mxErrors: 'MxErrors',
  mxAccessRefused: 'MxAccessRefused',
  /** Jobs the reconciler had to end (their execution ended, never started or is gone): an alarm. */
  jobsReconciled: 'JobsReconciled',
  /** MX webhooks acted on, by type and outcome (UNKNOWN_MEMBER: a member mxflow does not hold). */
  webhooksProcessed: 'WebhooksProcessed',
  /** Written by Powertools' `logMetrics` on a function's first invocation, by `function_name`. */
  coldStart: 'ColdStart',
} as const;

type Dimensions = Readonly<Record<string, string>>;
interface DimensionedMetric {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly value: number;
  readonly dimensions: Dimensions;
}

/** Lambda's per-invocation store, when its runtime (or the local one) keeps one. */
type InvokeStore = { hasContext(): boolean; getContext(): object | undefined };
const invokeStore = () =>
  (globalThis as unknown as { awslambda?: { InvokeStore?: InvokeStore } }).awslambda?.InvokeStore;

/**
 * Powertools Metrics, flushed once per invocation by the `logMetrics` middleware of
 * `observability()`. One EMF line holds one dimension set, so a metric with dimensions of its
 * own waits here and is written as a line of its own at the same flush. An invocation that
 * recorded nothing writes nothing (and no "No application metrics to publish" warning).
 */
class MxflowMetrics extends Metrics {
  /** Per invocation, as Powertools keeps its own buffer, so overlapping invocations keep theirs apart. */
  readonly #dimensioned = new WeakMap<object, DimensionedMetric[]>();

  #pending(): DimensionedMetric[] {
    const store = invokeStore();
    const invocation = (store?.hasContext() ? store.getContext() : undefined) ?? this;
    const pending = this.#dimensioned.get(invocation) ?? [];
    this.#dimensioned.set(invocation, pending);
    return pending;
  }

  record(name: string, dimensions: Dimensions, value = 1, unit: MetricUnitName = MetricUnit.Count): void {
    if (Object.keys(dimensions).length === 0) this.addMetric(name, unit, value);
    else this.#pending().push({ name, unit, value, dimensions });
  }

  override publishStoredMetrics(): this {
    for (const { name, unit, value, dimensions } of this.#pending().splice(0)) {
      const line = this.singleMetric();
      for (const [key, v] of Object.entries(dimensions)) line.addDimension(key, v);
      line.addMetric(name, unit, value);
    }
    if (this.hasStoredMetrics()) return super.publishStoredMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

export const metrics = new MxflowMetrics({ namespace: METRICS_NAMESPACE, serviceName: 'mxflow' });

export function recordJobStarted(jobType: string): void {
  metrics.record(METRIC.jobsStarted, { jobType });
}

export function recordJobEnded(job: {
  jobType: string;
  status: string;
  reason: string | null;
  pollCount?: number;
}): void {
  metrics.record(METRIC.jobsEnded, { jobType: job.jobType, status: job.status });
  if (job.reason) metrics.record(METRIC.jobsFailed, { jobType: job.jobType, reason: job.reason });
  if (job.pollCount !== undefined) metrics.record(METRIC.pollsPerJob, { jobType: job.jobType }, job.pollCount);
}

/** One job the reconciler ended; its status and reason also count in JobsEnded and JobsFailed. */
export function recordJobReconciled(job: { jobType: string; status: string; reason: string }): void {
  metrics.record(METRIC.jobsReconciled, {});
  recordJobEnded(job);
}

export function recordChallengeWait(seconds: number): void {
  metrics.record(METRIC.challengeWaitSeconds, {}, seconds, MetricUnit.Seconds);
}

/**
 * Every MX call, and every failed one by its status (or `timeout`, `network`); MX refusing
 * mxflow itself (401, the kinds of 403) also by its code, one alarm each.
 */
export function recordMxCall(call: MxCallRecord): void {
  metrics.record(METRIC.mxCalls, {});
  if (call.errorCode) {
    metrics.record(METRIC.mxErrors, { status: call.status === undefined ? call.errorCode : String(call.status) });
  }
  if (call.errorCode && (ACCESS_REFUSED_CODES as readonly string[]).includes(call.errorCode)) {
    metrics.record(METRIC.mxAccessRefused, { code: call.errorCode });
  }
}

/** One MX webhook acted on: what it was and what it led to (a job woken, a member read, none of ours). */
export function recordWebhookProcessed(type: string, outcome: string): void {
  metrics.record(METRIC.webhooksProcessed, { type, outcome });
}
