import { Argument, type Command, Option } from 'commander';
import type { JobView } from '#cli/api-client.js';
import { type Ctx, collect, Failed, jobGuid, memberGuid, positiveInt, userGuid } from '#cli/context.js';
import { followJob, jobElapsedMs } from '#cli/follow-job.js';
import { type JobChanges, subscribeToJobEvents } from '#cli/job-events.js';
import { fields, seconds, table } from '#cli/output.js';
import { jobProgress } from '#cli/progress.js';
import { challengeAnswerer, describeChallenge } from '#cli/prompt-challenges.js';
import { isLocalUrl, regionOf } from '#cli/sigv4.js';
import { counted } from '#shared/api/wording.js';
import { isTerminal, JOB_TYPES } from '#shared/contract/workflow.js';
import type { CommandRunner } from './runner.js';

interface Ref {
  readonly user: string;
  readonly member: string;
  readonly job: string;
}
interface FollowFlags {
  readonly answer?: string[];
  readonly nonInteractive?: boolean;
  readonly pollMs: number;
  readonly timeout?: number;
  readonly eventBus?: string;
}

/** The local twins check no signature; in AWS the standard credential chain signs. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The job's events, when a bus is named and a rule and queue can be made on it; otherwise a note
 * saying why, and the follower reads the job every --poll-ms as before.
 */
async function jobChanges(ctx: Ctx, busName: string | undefined, jobGuid: string): Promise<JobChanges | undefined> {
  if (!busName) return undefined;
  const api = new URL(ctx.apiUrl);
  try {
    return await subscribeToJobEvents(
      {
        busName,
        region: regionOf(api),
        endpoints: { eventBridge: ctx.io.env.AWS_ENDPOINT_URL_EVENTBRIDGE, sqs: ctx.io.env.AWS_ENDPOINT_URL_SQS },
        ...(isLocalUrl(api) ? { credentials: LOCAL_CREDENTIALS } : {}),
      },
      jobGuid,
    );
  } catch (error) {
    const e = error as Error;
    ctx.io.err(`cannot follow events on bus ${busName} (${e.name}: ${e.message}); reading the job instead\n`);
    return undefined;
  }
}

/** Removes the follower's rule and queue, saying what was left behind. */
async function unsubscribe(ctx: Ctx, changes: JobChanges | undefined): Promise<void> {
  const left = (await changes?.close()) ?? [];
  if (left.length > 0) ctx.io.err(`could not remove ${left.join(', ')}: delete it by hand\n`);
}

const followCommand = (ref: Ref) => `mxflow jobs follow --user ${ref.user} --member ${ref.member} --job ${ref.job}`;

function jobSummary(job: JobView): string {
  const pairs: [string, string | number | null | undefined][] = [
    ['job', job.guid],
    ['type', job.type],
    ['status', job.status],
    ['connection', job.connection_status],
    ['user', job.user_guid],
    ['member', job.member_guid],
    ['created', job.created_at],
    ['updated', job.updated_at],
  ];
  if (job.finished_at) pairs.push(['finished', job.finished_at]);
  if (job.error) pairs.push(['error', `${job.error.code}: ${job.error.message}`]);
  for (const [kind, n] of Object.entries(job.counts ?? {})) pairs.push([kind, typeof n === 'boolean' ? String(n) : n]);
  for (const w of job.warnings ?? []) pairs.push(['warning', `${w.code}: ${w.message}`]);
  for (const c of job.challenges ?? []) pairs.push(['challenge', describeChallenge(c)]);
  if (job.oauth_window_uri) pairs.push(['oauth link', job.oauth_window_uri]);
  return fields(pairs);
}

/** Follows a job to its end, answering its challenges; throws Failed unless it SUCCEEDED. */
async function followToEnd(ctx: Ctx, ref: Ref, flags: FollowFlags): Promise<void> {
  const progress = jobProgress(ctx);
  const answerer = challengeAnswerer({
    answers: flags.answer ?? [],
    interactive: !flags.nonInteractive && ctx.io.interactive,
    prompts: ctx.io.prompts,
    note: (line) => ctx.io.err(`${line}\n`),
  });
  const changes = await jobChanges(ctx, flags.eventBus, ref.job);
  // Ctrl-C outside a prompt: the rule and queue go before the process does.
  const onInterrupt = () => void unsubscribe(ctx, changes).finally(() => process.exit(130));
  if (changes) process.once('SIGINT', onInterrupt);
  let job: JobView;
  try {
    job = await followJob(
      ctx.api,
      { userGuid: ref.user, memberGuid: ref.member, jobGuid: ref.job },
      {
        pollMs: flags.pollMs,
        ...(changes ? { changes } : {}),
        onChange: (j, ms) => progress.change(j, ms),
        answer: (j) => progress.paused(() => answerer.answer(j)),
        ...(flags.timeout ? { timeoutMs: flags.timeout * 1000 } : {}),
      },
    );
  } finally {
    progress.stop();
    process.off('SIGINT', onInterrupt);
    await unsubscribe(ctx, changes);
  }
  const elapsed = seconds(jobElapsedMs(job));
  if (ctx.json) ctx.io.out(`${JSON.stringify({ job }, null, 2)}\n`);

  if (job.status === 'SUCCEEDED') {
    if (!ctx.json) {
      const counts = Object.entries(job.counts ?? {})
        .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
        .map(([kind, n]) => counted(n, kind.replace(/s$/, '').replaceAll('_', ' ')));
      ctx.io.out(
        `${job.type} job ${job.guid} SUCCEEDED after ${elapsed}${counts.length ? `: ${counts.join(', ')}` : ''}\n`,
      );
    }
    return;
  }
  if (isTerminal(job.status)) {
    const why = job.error ? `: ${job.error.code}: ${job.error.message}` : '';
    if (!ctx.json) ctx.io.out(`${job.type} job ${job.guid} ${job.status} after ${elapsed}${why}\n`);
    throw new Failed('');
  }
  const waiting = answerer.waiting;
  if (job.status === 'CHALLENGED' && waiting) {
    const given = flags.answer?.length ?? 0;
    const more = given
      ? ` (the ${counted(given, '--answer value')} given ${given === 1 ? 'was' : 'were'} used up)`
      : '';
    throw new Failed(
      `job ${job.guid} waits for an answer to challenge ${waiting.index + 1} of ${waiting.total}: ${describeChallenge(waiting.challenge)}${more}. ` +
        `Answer it with --answer VALUE, or at a terminal: ${followCommand(ref)}`,
    );
  }
  throw new Failed(`job ${job.guid} is still ${job.status} after ${elapsed}; it goes on: ${followCommand(ref)}`);
}

const followOptions = (cmd: Command) =>
  cmd
    .option(
      '--answer <value>',
      'answer to the next challenge, repeatable, in the order the challenges come (options: the label or the value)',
      collect,
    )
    .option('--non-interactive', 'never prompt: a challenge left without --answer ends the command (exit 1)')
    .addOption(
      new Option('--poll-ms <ms>', 'how often to read the job (without --event-bus)')
        .argParser(positiveInt)
        .default(500),
    )
    .addOption(
      new Option(
        '--event-bus <name>',
        "follow mxflow's events on this bus (a rule and an SQS queue of your own while you follow, removed after): the job is read when it changes, and at least every 20 s",
      ).env('MXFLOW_EVENT_BUS'),
    )
    .addOption(
      new Option('--timeout <seconds>', 'stop following after this long (the job goes on)').argParser(positiveInt),
    );

export function jobsCommand(program: Command, run: CommandRunner): void {
  const jobs = program
    .command('jobs')
    .description('start, follow and read jobs (verify, identify, aggregate)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow jobs start verify --user USR-… --member MBR-… --follow\n  $ mxflow jobs follow --user USR-… --member MBR-… --job JOB-…\n  $ mxflow jobs show --user USR-… --member MBR-… --job JOB-…',
    );

  followOptions(
    jobs
      .command('start')
      .description('start a job on a member, or attach to the one of this type already running')
      .addArgument(new Argument('<type>', 'the job').choices(JOB_TYPES))
      .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
      .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
      .option('--observe', 'follow the job MX (or the Connect widget) already started instead of starting one')
      .option('--no-transactions', 'do not fetch transactions with the results')
      .option('--follow', 'follow the job to its end (see `mxflow jobs follow --help`)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ mxflow jobs start verify --user USR-… --member MBR-…
  $ mxflow jobs start verify --user USR-… --member MBR-… --follow
  $ mxflow jobs start verify --user USR-… --member MBR-… --follow --answer correct --answer "MX Bank Checking"
  $ mxflow jobs start aggregate --user USR-… --member MBR-… --no-transactions --follow --non-interactive`,
    )
    .action(
      run(
        async (
          ctx,
          [type],
          o: { user: string; member: string; observe?: boolean; transactions: boolean; follow?: boolean } & FollowFlags,
        ) => {
          const body = {
            ...(o.observe ? { observe: true } : {}),
            ...(o.transactions ? {} : { include_transactions: false }),
          };
          const { job } = await ctx.api.startJob(type as JobView['type'], o.user, o.member, body);
          const ref = { user: o.user, member: o.member, job: job.guid };
          if (!o.follow) {
            ctx.show(() => `${jobSummary(job)}\nFollow it: ${followCommand(ref)}\n`, { job });
            return;
          }
          ctx.note(`${type} job ${job.guid} ${job.status}`);
          await followToEnd(ctx, ref, o);
        },
      ),
    );

  followOptions(
    jobs
      .command('follow')
      .description('follow a job to its end, showing each change and answering its challenges')
      .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
      .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
      .requiredOption('--job <guid>', 'the job (JOB-…)', jobGuid),
  )
    .addHelpText(
      'after',
      `
A challenge is asked at the terminal (TEXT and TOKEN as text, OPTIONS and IMAGE_OPTIONS as a
list to pick from, IMAGE_DATA saved to a file to open) unless --answer values are given, in
the order the challenges come; with --non-interactive (or without a terminal) a challenge
left without an answer ends the command with exit code 1, naming it. The job goes on.

Exit codes: 0 the job SUCCEEDED, 1 it FAILED or TIMED_OUT or waits (or the API refused), 2 bad usage.

Examples:
  $ mxflow jobs follow --user USR-… --member MBR-… --job JOB-…
  $ mxflow jobs follow --user USR-… --member MBR-… --job JOB-… --answer correct --answer "MX Bank Checking XXXXXX9810"
  $ mxflow jobs follow --user USR-… --member MBR-… --job JOB-… --non-interactive --json`,
    )
    .action(run(async (ctx, _args, o: Ref & FollowFlags) => followToEnd(ctx, o, o)));

  jobs
    .command('cancel')
    .description('cancel a running or challenged job: it ends CANCELLED and the member is free')
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
    .requiredOption('--job <guid>', 'the job (JOB-…)', jobGuid)
    .addHelpText('after', '\nExamples:\n  $ mxflow jobs cancel --user USR-… --member MBR-… --job JOB-…')
    .action(
      run(async (ctx, _args, o: Ref) => {
        const { job } = await ctx.api.cancelJob(o.user, o.member, o.job);
        ctx.show(() => jobSummary(job), { job });
      }),
    );

  jobs
    .command('show')
    .description('read a job once: its status, challenges, error or counts')
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
    .requiredOption('--job <guid>', 'the job (JOB-…)', jobGuid)
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow jobs show --user USR-… --member MBR-… --job JOB-…\n  $ mxflow jobs show --user USR-… --member MBR-… --job JOB-… --json',
    )
    .action(
      run(async (ctx, _args, o: Ref) => {
        const { job } = await ctx.api.readJob(o.user, o.member, o.job);
        ctx.show(() => jobSummary(job), { job });
      }),
    );

  jobs
    .command('list')
    .description("list a member's jobs, newest first")
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
    .addOption(new Option('--limit <n>', 'at most this many').argParser(positiveInt).default(20))
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow jobs list --user USR-… --member MBR-…\n  $ mxflow jobs list --user USR-… --member MBR-… --limit 5 --json',
    )
    .action(
      run(async (ctx, _args, o: { user: string; member: string; limit: number }) => {
        const { jobs: list } = await ctx.api.listJobs(o.user, o.member, Math.min(o.limit, 1000));
        ctx.show(
          () =>
            table(list, [
              { header: 'job', value: (j) => j.guid },
              { header: 'type', value: (j) => j.type },
              { header: 'status', value: (j) => j.status },
              { header: 'connection', value: (j) => j.connection_status },
              { header: 'error', value: (j) => j.error?.code },
              { header: 'created', value: (j) => j.created_at },
            ]),
          { jobs: list },
        );
      }),
    );
}
