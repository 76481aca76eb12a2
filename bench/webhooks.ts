/**
 * MX's webhooks on against off, side by side in one run: the same 30 aggregate jobs (MX
 * durations 6–36 s) on a local stack whose simulator posts webhooks (jobs wait up to 20 s for
 * them after each 3 s floor) and on one that only polls. Then the receiver alone: 1,000
 * deliveries, a fifth of them repeats, in shuffled order.
 *
 *   npx tsx bench/webhooks.ts
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { mulberry32 } from '#local/mx-simulator/random.js';
import { basicAuthorization } from '#shared/api/basic-auth.js';
import { MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import { MX_STATUS_FLOOR_SECONDS } from '#shared/contract/time-budget.js';
import { ScriptedBackend } from '#test/support/scripted-backend.js';
import {
  aggregateJobs,
  type BenchResult,
  benchStack,
  figure,
  jobHistory,
  MARKER,
  median,
  quantile,
  report,
  round,
  runScript,
  sleep,
} from './common.js';
import { transitionsOf } from './polling.js';

const COMMAND = 'npx tsx bench/webhooks.ts';
/** As the polling bench: 1 s of MX time is 250 ms, so the steps' own real time weighs as in AWS. */
const TIME_SCALE = 0.25;
const DURATIONS_S = Array.from({ length: 10 }, (_, g) => round(3 * (2 + g) + 0.3 * g + 0.15, 2));
const JOBS_PER_DURATION = 3;
const WEBHOOK_WAIT_S = 20;
const DELIVERIES = 1_000;
const REPEATS = 200;
const MODE_VARIABLE = 'WEBHOOKS_BENCH_MODE';

/** One job as measured: MX's reads of its member, its transitions, how late its results were stored. */
interface JobRow {
  readonly durationS: number;
  readonly reads: number;
  readonly transitions: number;
  /** MX's end → the status read that noticed it, in MX seconds. */
  readonly noticeS: number;
  readonly latencyS: number;
}

interface ModeResult {
  readonly jobs: JobRow[];
  readonly receiver?: { answersMs: number[]; stored: number; processed: number; deadLetters: number };
}

/** One mode's jobs on a stack of its own (one local stack a process), and with webhooks the receiver. */
async function runMode(webhooks: boolean): Promise<ModeResult> {
  const stack = await benchStack(`webhooks-${webhooks ? 'on' : 'off'}`, {
    timeScale: TIME_SCALE,
    simulator: { seed: 'bench-webhooks' },
    ...(webhooks ? { mxWebhooks: { wait: Duration.seconds(WEBHOOK_WAIT_S) } } : {}),
  });
  try {
    const simulator = stack.simulator!;
    const api = new ScriptedBackend(stack.endpoints.api);
    const jobs: JobRow[] = [];
    for (const [group, durationS] of DURATIONS_S.entries()) {
      simulator.configure({ jobDurationMs: durationS * 1000 });
      const done = await aggregateJobs(api, `webhooks-${group}`, JOBS_PER_DURATION);
      const stats = simulator.stats();
      for (const job of done) {
        const mxJob = stats.jobs.find((j) => j.memberGuid === job.member_guid && j.type === 'aggregate');
        const reads = stats.statusReads.byMember[job.member_guid];
        if (!mxJob?.endedAt || mxJob.noticeDelayMs === null || !reads) throw new Error(`no MX record of ${job.guid}`);
        const events = await jobHistory(stack, 'aggregate', job.guid);
        const succeededAt = events.find((e) => e.type === 'ExecutionSucceeded')?.timestamp?.getTime() ?? Number.NaN;
        // The execution's clock is real time; MX's end, in MX time, is where its real time was then.
        const mxEndReal = simulatorRealTime(mxJob.endedAt, stats.mxNowIso);
        jobs.push({
          durationS: (mxJob.endedAt - mxJob.startedAt) / 1000,
          reads: reads.reads,
          transitions: transitionsOf(events).total,
          noticeS: mxJob.noticeDelayMs / 1000,
          latencyS: (succeededAt - mxEndReal) / 1000,
        });
      }
    }
    return webhooks ? { jobs, receiver: await measureReceiver(stack) } : { jobs };
  } finally {
    await stack.stop();
  }
}

/** Real epoch ms of an MX-time instant, from the simulator's clock now (MX ms = real ms / scale). */
function simulatorRealTime(mxMs: number, mxNowIso: string): number {
  return Date.now() - (Date.parse(mxNowIso) - mxMs) * TIME_SCALE;
}

/** 1,000 deliveries (800 bodies, 200 sent twice) in shuffled order, ten at a time; answer times on loopback. */
async function measureReceiver(stack: Awaited<ReturnType<typeof benchStack>>): Promise<ModeResult['receiver']> {
  const processedBefore = stack.webhookProcessing.processed();
  const unique = Array.from({ length: DELIVERIES - REPEATS }, (_, i) =>
    JSON.stringify({
      type: 'CONNECTION_STATUS',
      action: 'CHANGED',
      connection_status: 'CHALLENGED',
      member_guid: `MBR-bench-${i}`,
      user_guid: 'USR-bench',
    }),
  );
  const bodies = [...unique, ...unique.slice(0, REPEATS)];
  // A seeded Fisher–Yates: repeats land anywhere, before or after their first delivery.
  const random = mulberry32(42);
  for (let i = bodies.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j] as string, bodies[i] as string];
  }
  const authorization = basicAuthorization(stack.webhookCredentials);
  const answersMs: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as string;
        const began = performance.now();
        const answer = await fetch(`${stack.endpoints.api}${MX_WEBHOOK_PATH}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: authorization },
          body,
        });
        await answer.arrayBuffer();
        answersMs.push(performance.now() - began);
        if (answer.status !== 204) throw new Error(`the receiver answered ${answer.status}`);
      }
    }),
  );
  const deadline = Date.now() + 120_000;
  while (stack.webhookProcessing.processed() - processedBefore < unique.length && Date.now() < deadline)
    await sleep(50);
  // A little longer: a repeat acted on would show up now.
  await sleep(1_000);
  return {
    answersMs,
    stored: unique.length,
    processed: stack.webhookProcessing.processed() - processedBefore,
    deadLetters: stack.webhookProcessing.deadLetters.length,
  };
}

/** Runs one mode in a process of its own (the handlers keep their clients per process). */
function runModeProcess(mode: 'on' | 'off'): Promise<ModeResult> {
  const file = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, [MODE_VARIABLE]: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARKER));
      if (code === 0 && line) resolve(JSON.parse(line.slice(MARKER.length)) as ModeResult);
      else reject(new Error(`webhooks ${mode} exited ${code}:\n${err.slice(-4000)}`));
    });
  });
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

async function main(): Promise<void> {
  const mode = process.env[MODE_VARIABLE];
  if (mode === 'on' || mode === 'off') {
    console.log(MARKER + JSON.stringify(await runMode(mode === 'on')));
    return;
  }
  const began = Date.now();
  const on = await runModeProcess('on');
  const off = await runModeProcess('off');
  const interval = MX_STATUS_FLOOR_SECONDS + WEBHOOK_WAIT_S;
  const overTarget = on.jobs.filter((j) => j.reads > 2 + j.durationS / interval).length;
  const receiver = on.receiver!;
  const latencyOn = median(on.jobs.map((j) => j.latencyS));
  const latencyOff = median(off.jobs.map((j) => j.latencyS));
  const result: BenchResult = {
    bench: 'webhooks',
    command: COMMAND,
    seconds: round((Date.now() - began) / 1000, 1),
    figures: [
      figure(
        'MX end → the status read that notices it, median, webhooks on',
        round(median(on.jobs.map((j) => j.noticeS)), 2),
        's (MX time)',
        COMMAND,
        {
          notes: `webhooks off: ${round(median(off.jobs.map((j) => j.noticeS)), 2)} s; p95 on ${round(
            quantile(
              on.jobs.map((j) => j.noticeS),
              0.95,
            ),
            2,
          )} s, off ${round(
            quantile(
              off.jobs.map((j) => j.noticeS),
              0.95,
            ),
            2,
          )} s; at this scale each real ms of the webhook's path counts 4 ms of MX time`,
        },
      ),
      figure(
        'result latency, median, webhooks on (MX end → SUCCEEDED, results stored)',
        round(latencyOn, 2),
        's',
        COMMAND,
        {
          notes: `webhooks off: ${round(latencyOff, 2)} s (${round(latencyOn / latencyOff, 2)}×); p95 on ${round(
            quantile(
              on.jobs.map((j) => j.latencyS),
              0.95,
            ),
            2,
          )} s, off ${round(
            quantile(
              off.jobs.map((j) => j.latencyS),
              0.95,
            ),
            2,
          )} s; includes the copy of 3 accounts + 150 transactions`,
        },
      ),
      figure('MX status reads per job, webhooks on', round(mean(on.jobs.map((j) => j.reads)), 2), 'reads', COMMAND, {
        target: `≤ 2 + job time / ${interval} s, every job`,
        met: overTarget === 0,
        notes: `webhooks off: ${round(mean(off.jobs.map((j) => j.reads)), 2)} (${round(mean(on.jobs.map((j) => j.reads)) / mean(off.jobs.map((j) => j.reads)), 2)}×); ${overTarget} of 30 jobs over the target`,
      }),
      figure(
        'state transitions per job, webhooks on',
        round(mean(on.jobs.map((j) => j.transitions)), 2),
        'transitions',
        COMMAND,
        {
          notes: `webhooks off: ${round(mean(off.jobs.map((j) => j.transitions)), 2)} (${round(mean(on.jobs.map((j) => j.transitions)) / mean(off.jobs.map((j) => j.transitions)), 2)}×)`,
        },
      ),
      figure(
        `receiver: ${DELIVERIES} deliveries (${REPEATS} repeats, shuffled), acted on`,
        receiver.processed,
        'deliveries',
        COMMAND,
        {
          target: `${receiver.stored} (each once, none lost)`,
          met: receiver.processed === receiver.stored && receiver.deadLetters === 0,
          notes: `dead letters ${receiver.deadLetters}`,
        },
      ),
      figure(
        'receiver: answer time p99 on loopback (10 at a time)',
        round(quantile(receiver.answersMs, 0.99), 1),
        'ms',
        COMMAND,
        {
          notes: `median ${round(median(receiver.answersMs), 1)} ms; the local API gateway and DynamoDB Local, one conditional put each`,
        },
      ),
    ],
    details: {
      webhookWaitSeconds: WEBHOOK_WAIT_S,
      on: on.jobs,
      off: off.jobs,
      receiverAnswersMs: { median: median(receiver.answersMs), p99: quantile(receiver.answersMs, 0.99) },
    },
  };
  report(result);
}

runScript(main);
