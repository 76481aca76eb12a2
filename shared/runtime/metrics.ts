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
} as const;

/** Every metric is a single EMF log line written when it is recorded: nothing waits for a flush. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'mxflow' });

function count(name: string, dimensions: Record<string, string>, value = 1, unit: MetricUnitName = MetricUnit.Count): void {
  const single = metrics.singleMetric();
  for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
  single.addMetric(name, unit, value);
}

export function recordJobStarted(jobType: string): void {
  count(METRIC.jobsStarted, { jobType });
}

export function recordJobEnded(job: { jobType: string; status: string; reason: string | null; pollCount?: number }): void {
  count(METRIC.jobsEnded, { jobType: job.jobType, status: job.status });
  if (job.reason) count(METRIC.jobsFailed, { jobType: job.jobType, reason: job.reason });
  if (job.pollCount !== undefined) count(METRIC.pollsPerJob, { jobType: job.jobType }, job.pollCount);
}

export function recordChallengeWait(seconds: number): void {
  count(METRIC.challengeWaitSeconds, {}, seconds, MetricUnit.Seconds);
}

/**
 * Every MX call, and every failed one by its status (or `timeout`, `network`); MX refusing
 * mxflow itself (401, the kinds of 403) also by its code, one alarm each.
 */
export function recordMxCall(call: MxCallRecord): void {
  count(METRIC.mxCalls, {});
  if (call.errorCode) count(METRIC.mxErrors, { status: call.status === undefined ? call.errorCode : String(call.status) });
  if (call.errorCode && (ACCESS_REFUSED_CODES as readonly string[]).includes(call.errorCode)) {
    count(METRIC.mxAccessRefused, { code: call.errorCode });
  }
}
