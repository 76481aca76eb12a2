// A job's progress on screen: one line per change with the elapsed time; on a terminal, a
// spinner line redrawn in between. Every line is also fine in a log file.

import { isTerminal } from '#shared/contract/workflow.js';
import type { JobView } from './api-client.js';
import type { Ctx } from './context.js';
import { seconds } from './output.js';
import { describeChallenge } from './prompt-challenges.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR = '\r\x1b[2K';

export interface Progress {
  change(job: JobView, elapsedMs: number): void;
  /** Runs `f` with the spinner stopped (prompts draw on the same terminal). */
  paused<T>(f: () => Promise<T>): Promise<T>;
  stop(): void;
}

export function jobProgress(ctx: Ctx): Progress {
  const spin = !ctx.json && ctx.io.isTTY;
  // The spinner counts from the job's creation (learnt from its first change), not from this process.
  let started = Date.now();
  let state = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () =>
    ctx.io.out(`${CLEAR}${FRAMES[frame++ % FRAMES.length]} ${state}  ${seconds(Date.now() - started)}`);
  const clear = () => spin && ctx.io.out(CLEAR);
  const start = () => {
    if (!spin || timer) return;
    timer = setInterval(draw, 100);
    timer.unref();
  };
  const halt = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    clear();
  };

  return {
    change(job, elapsedMs) {
      started = Date.now() - elapsedMs;
      clear();
      state = `${job.status}${job.connection_status ? ` (${job.connection_status})` : ''}`;
      ctx.note(`[${seconds(elapsedMs).padStart(7)}] ${job.status.padEnd(15)} ${job.connection_status ?? ''}`.trimEnd());
      if (job.status === 'CHALLENGED') {
        for (const c of job.challenges ?? []) ctx.note(`          challenge ${describeChallenge(c)}`);
      }
      if (job.status === 'ACTION_REQUIRED' && job.oauth_window_uri)
        ctx.note(`          open this link to finish OAuth: ${job.oauth_window_uri}`);
      if (spin && !isTerminal(job.status)) start();
    },
    async paused(f) {
      const was = timer !== undefined;
      halt();
      try {
        return await f();
      } finally {
        if (was) start();
      }
    },
    stop: halt,
  };
}
