/**
 * Polling cost and result latency of aggregate jobs on the local stack: MX status reads per
 * job against the minimum, the shortest gap between two reads of a member, how long after MX
 * finishes the results are stored, and the state transitions each job costs.
 *
 *   npx tsx bench/polling.ts
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { ScriptedBackend } from '#test/support/scripted-backend.js';
import {
  aggregateJobs,
  type BenchResult,
  benchStack,
  figure,
  jobHistory,
  median,
  quantile,
  report,
  round,
  runScript,
} from './common.js';

const COMMAND = 'npx tsx bench/polling.ts';
/**
 * 1 s of MX time is 250 ms here. Each workflow step runs in real time (tens of ms against
 * DynamoDB Local), and every real ms counts as 4 MX ms: a smaller scale would inflate the
 * steps' share of each poll interval past what it is in AWS.
 */
const TIME_SCALE = 0.25;
/**
 * Ten MX job durations from 6 s to 36 s whose ends fall evenly across the 3 s between two
 * reads (0.15 s, 0.45 s, … 2.85 s after one), so the notice delay is sampled fairly; 3 jobs each.
 */
const DURATIONS_S = Array.from({ length: 10 }, (_, g) => round(3 * (2 + g) + 0.3 * g + 0.15, 2));
const JOBS_PER_DURATION = 3;
const POLL_S = 3;

export interface JobTransitions {
  readonly total: number;
  readonly polls: number;
  readonly byState: Record<string, number>;
}

/** State transitions as AWS bills Standard workflows: every state entered. */
export function transitionsOf(events: readonly HistoryEvent[]): JobTransitions {
  const entered = events.filter((e) => e.type?.endsWith('StateEntered'));
  const byState: Record<string, number> = {};
  for (const e of entered)
    byState[String(e.stateEnteredEventDetails?.name)] = (byState[String(e.stateEnteredEventDetails?.name)] ?? 0) + 1;
  return { total: entered.length, polls: byState.PollMemberStatus ?? 0, byState };
}

async function main(): Promise<void> {
  const began = Date.now();
  const stack = await benchStack('polling', { timeScale: TIME_SCALE, simulator: { seed: 'bench-polling' } });
  try {
    const simulator = stack.simulator!;
    const api = new ScriptedBackend(stack.endpoints.api);
    const rows: {
      durationS: number;
      reads: number;
      minimum: number;
      minGapMs: number | null;
      noticeMs: number;
      fetchMs: number;
      transitions: JobTransitions;
    }[] = [];
    for (const [group, durationS] of DURATIONS_S.entries()) {
      // The simulator reads its job duration lazily: one duration at a time, all its jobs finished before the next.
      simulator.configure({ jobDurationMs: durationS * 1000 });
      const jobs = await aggregateJobs(api, `polling-${group}`, JOBS_PER_DURATION);
      const stats = simulator.stats();
      for (const job of jobs) {
        const mxJob = stats.jobs.find((j) => j.memberGuid === job.member_guid);
        const reads = stats.statusReads.byMember[job.member_guid];
        if (!mxJob?.endedAt || mxJob.noticeDelayMs === null || !reads) throw new Error(`no MX record of ${job.guid}`);
        const events = await jobHistory(stack, 'aggregate', job.guid);
        const at = (predicate: (e: HistoryEvent) => boolean) =>
          events.find(predicate)?.timestamp?.getTime() ?? Number.NaN;
        // The part after MX's end was noticed runs in real time here as in AWS (handlers are not time-scaled).
        const fetchMs =
          at((e) => e.type === 'ExecutionSucceeded') - at((e) => e.stateEnteredEventDetails?.name === 'FetchResults');
        rows.push({
          durationS: (mxJob.endedAt - mxJob.startedAt) / 1000,
          reads: reads.reads,
          minimum: Math.ceil((mxJob.endedAt - mxJob.startedAt) / (POLL_S * 1000)),
          minGapMs: reads.minGapMs,
          noticeMs: mxJob.noticeDelayMs,
          fetchMs,
          transitions: transitionsOf(events),
        });
      }
    }

    const ratio = rows.reduce((s, r) => s + r.reads, 0) / rows.reduce((s, r) => s + r.minimum, 0);
    const worstRatio = Math.max(...rows.map((r) => r.reads / r.minimum));
    const minGap = Math.min(...rows.map((r) => r.minGapMs ?? Number.POSITIVE_INFINITY));
    const latencies = rows.map((r) => (r.noticeMs + r.fetchMs) / (POLL_S * 1000));
    const notice = rows.map((r) => r.noticeMs / (POLL_S * 1000));
    const fetch = rows.map((r) => r.fetchMs / (POLL_S * 1000));
    const fixed = new Set(rows.map((r) => r.transitions.total - 3 * r.transitions.polls));
    const perPoll = rows.every(
      (r) =>
        r.transitions.byState.WaitBeforePoll === r.transitions.polls &&
        r.transitions.byState.RouteByStatus === r.transitions.polls + 1,
    );

    const result: BenchResult = {
      bench: 'polling',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        figure('MX status reads per job / minimum (30 aggregate jobs, 6–36 s)', round(ratio, 3), 'ratio', COMMAND, {
          target: '≤ 1.1',
          met: ratio <= 1.1,
          notes: `worst single job ${round(worstRatio, 2)}; each interval is 3 s plus the poll step's own time, so a little under 1`,
        }),
        figure('shortest gap between two status reads of a member', round(minGap / 1000, 2), 's (MX time)', COMMAND, {
          target: '≥ 3',
          met: minGap >= 3000,
        }),
        figure(
          'result latency, median (MX end → job SUCCEEDED with results stored)',
          round(median(latencies), 2),
          'poll intervals (3 s)',
          COMMAND,
          {
            target: '≤ 0.6',
            met: median(latencies) <= 0.6,
            notes: `noticing the end (status read): median ${round(median(notice), 2)}; fetching and storing 3 accounts + 150 transactions: median ${round(median(fetch), 2)}`,
          },
        ),
        figure('result latency, p95', round(quantile(latencies, 0.95), 2), 'poll intervals (3 s)', COMMAND, {
          notes: `noticing: p95 ${round(quantile(notice, 0.95), 2)}; fetching: p95 ${round(quantile(fetch, 0.95), 2)}`,
        }),
        figure(
          'state transitions per job, fixed part',
          [...fixed].length === 1 ? [...fixed][0]! : Number.NaN,
          'transitions',
          COMMAND,
          { notes: 'StartMxJob, RouteByStatus, FetchResults, RecordSuccess, JobSucceeded' },
        ),
        figure('state transitions per poll', perPoll ? 3 : Number.NaN, 'transitions', COMMAND, {
          notes: 'WaitBeforePoll, PollMemberStatus, RouteByStatus',
        }),
      ],
      details: {
        timeScale: TIME_SCALE,
        medianOfMemberMinGapS: median(rows.flatMap((r) => (r.minGapMs === null ? [] : [r.minGapMs / 1000]))),
        latencySplit: {
          noticeMedianMs: median(rows.map((r) => r.noticeMs)),
          fetchMedianMs: median(rows.map((r) => r.fetchMs)),
        },
        jobs: rows.map((r) => ({ ...r, transitions: { total: r.transitions.total, polls: r.transitions.polls } })),
      },
    };
    report(result);
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runScript(main);
