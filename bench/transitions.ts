/**
 * State transitions (what AWS bills a Standard workflow for) per job, and the extra cost of a
 * challenge: the same whether the end user answers after a minute or after an hour, because
 * the execution parks on a task token instead of polling. Dollar cost per 1,000 jobs at
 * Standard-workflow prices.
 *
 *   npx tsx bench/transitions.ts
 */
import { ScriptedBackend } from '#test/support/scripted-backend.js';
import { type BenchResult, benchStack, figure, jobHistory, report, round, runScript } from './common.js';
import { transitionsOf } from './polling.js';

const COMMAND = 'npx tsx bench/transitions.ts';
/** 1 h of MX time is 7.2 s here: only transitions are counted, which do not depend on the scale. */
const TIME_SCALE = 0.002;
const JOB_DURATION_S = 30;
/** $ per state transition, Standard workflows (us-east-1): $0.025 per 1,000. */
const PRICE_PER_TRANSITION = 0.025 / 1000;
const POLL_S = 3;
const JOBS_PER_CASE = 3;

async function main(): Promise<void> {
  const began = Date.now();
  const stack = await benchStack('transitions', {
    timeScale: TIME_SCALE,
    simulator: { seed: 'bench-transitions', jobDurationMs: JOB_DURATION_S * 1000, challengeExpiryMs: 24 * 3_600_000 },
  });
  try {
    const simulator = stack.simulator!;
    const api = new ScriptedBackend(stack.endpoints.api);
    let n = 0;
    const cases = [
      { name: 'no challenge', password: 'password', answerAfterS: 0 },
      { name: 'challenge answered after 1 min', password: 'challenge', answerAfterS: 60 },
      { name: 'challenge answered after 1 h', password: 'challenge', answerAfterS: 3_600 },
    ];
    const rows = await Promise.all(
      cases.flatMap((c) =>
        Array.from({ length: JOBS_PER_CASE }, async () => {
          n += 1;
          const { userGuid, memberGuid } = await api.userWithMember(`transitions-${n}`, c.password);
          const started = await api.startJob('aggregate', userGuid, memberGuid);
          let readsDuringPark = -1;
          if (c.answerAfterS > 0) {
            let parked = await api.readJob(started);
            while (parked.status !== 'CHALLENGED') {
              await new Promise((resolve) => setTimeout(resolve, 10));
              parked = await api.readJob(started);
            }
            const readsAt = () => simulator.stats().statusReads.byMember[memberGuid]?.reads ?? 0;
            const before = readsAt();
            await new Promise((resolve) => setTimeout(resolve, c.answerAfterS * 1000 * TIME_SCALE));
            readsDuringPark = readsAt() - before;
            await api.answer(parked, ScriptedBackend.answersFor(parked, 'correct'));
          }
          const { job } = await api.follow(started, 'correct', { pollMs: 20, timeoutMs: 600_000 });
          if (job.status !== 'SUCCEEDED') throw new Error(`job ${job.guid} ended ${job.status}`);
          const events = await jobHistory(stack, 'aggregate', job.guid);
          const t = transitionsOf(events);
          const parkedMs =
            (events
              .find((e) => e.type === 'TaskStateExited' && e.stateExitedEventDetails?.name === 'ParkForChallenge')
              ?.timestamp?.getTime() ?? 0) -
            (events.find((e) => e.stateEnteredEventDetails?.name === 'ParkForChallenge')?.timestamp?.getTime() ?? 0);
          return {
            case: c.name,
            total: t.total,
            polls: t.polls,
            awaits: t.byState.ParkForChallenge ?? 0,
            extra: t.total - 5 - 3 * t.polls,
            parkedMxS: round(parkedMs / 1000 / TIME_SCALE, 0),
            readsDuringPark,
          };
        }),
      ),
    );
    const plain = rows.filter((r) => r.case === 'no challenge');
    const fixed = new Set(plain.map((r) => r.total - 3 * r.polls));
    const extraOf = (name: string) => new Set(rows.filter((r) => r.case === name).map((r) => r.extra));
    const extraMinute = extraOf('challenge answered after 1 min');
    const extraHour = extraOf('challenge answered after 1 h');
    const same = extraMinute.size === 1 && extraHour.size === 1 && [...extraMinute][0] === [...extraHour][0];
    const fixedPart = [...fixed].length === 1 ? [...fixed][0]! : Number.NaN;
    const challengeExtra = same ? [...extraMinute][0]! : Number.NaN;
    // A typical 30 s job read every 3 s: ceil(30 / 3) reads, the last one finding it done.
    const typicalPolls = Math.ceil(JOB_DURATION_S / POLL_S);
    const typical = fixedPart + 3 * typicalPolls;
    const withChallenge = typical + challengeExtra;
    const readsDuringPark = rows.filter((r) => r.readsDuringPark >= 0).reduce((sum, r) => sum + r.readsDuringPark, 0);

    const result: BenchResult = {
      bench: 'transitions',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        figure(
          'extra transitions of a challenge, answered after 1 min of MX time',
          [...extraMinute].length === 1 ? [...extraMinute][0]! : Number.NaN,
          'transitions',
          COMMAND,
        ),
        figure(
          'extra transitions of a challenge, answered after 1 h of MX time',
          [...extraHour].length === 1 ? [...extraHour][0]! : Number.NaN,
          'transitions',
          COMMAND,
          { target: 'same as after 1 min', met: same },
        ),
        figure('MX status reads while a challenge waits (6 jobs)', readsDuringPark, 'reads', COMMAND, {
          target: '0',
          met: readsDuringPark === 0,
        }),
        figure('transitions of a typical 30 s job (fixed + 3 per poll × 10 polls)', typical, 'transitions', COMMAND),
        figure(
          'cost per 1,000 typical 30 s jobs (Standard, $0.025 per 1,000 transitions)',
          round(typical * PRICE_PER_TRANSITION * 1000, 3),
          'USD',
          COMMAND,
        ),
        figure(
          'cost per 1,000 30 s jobs with one challenge (any wait)',
          round(withChallenge * PRICE_PER_TRANSITION * 1000, 3),
          'USD',
          COMMAND,
        ),
      ],
      details: {
        timeScale: TIME_SCALE,
        fixedPart,
        note: 'Retries (none here: no faults) are billed as transitions by AWS; the local history does not show them as StateEntered.',
        jobs: rows,
      },
    };
    report(result);
  } finally {
    await stack.stop();
  }
}

runScript(main);
