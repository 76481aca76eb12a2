import { type Command, InvalidArgumentError } from 'commander';
import type { DeletionView } from '#cli/api-client.js';
import { type Ctx, Failed, positiveInt } from '#cli/context.js';
import { fields } from '#cli/output.js';
import { counted } from '#shared/api/wording.js';
import type { CommandRunner } from './runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function deletionGuid(value: string): string {
  if (!/^DEL-[0-9a-f]{32}$/.test(value)) throw new InvalidArgumentError('a deletion guid looks like DEL-0123…cdef');
  return value;
}

/** What `--wait` adds to a deletion command. */
export interface WaitFlags {
  readonly wait?: boolean;
  readonly pollMs: number;
}

export function deletionSummary(deletion: DeletionView): string {
  return `${fields([
    ['deletion', deletion.guid],
    ['status', deletion.status],
    ['of', deletion.scope === 'user' ? `user ${deletion.user_guid}` : `member ${deletion.member_guids.join(', ')}`],
    ['cancelled', deletion.cancelled_jobs.length ? deletion.cancelled_jobs.join(', ') : null],
    ['at MX', deletion.deleted_at_mx ? 'deleted' : 'not yet'],
    ['purged', counted(deletion.items_deleted, 'item')],
    ['error', deletion.error ? `${deletion.error.code}: ${deletion.error.message}` : null],
  ])}\n`;
}

/**
 * Shows a deletion, and with --wait reads it until it ends: exit 0 once SUCCEEDED, 1 if it FAILED.
 */
export async function showDeletion(
  ctx: Ctx,
  started: DeletionView,
  flags: WaitFlags,
  warnings: readonly { code: string; message: string }[] = [],
): Promise<void> {
  let deletion = started;
  while (flags.wait && deletion.status === 'RUNNING') {
    await sleep(flags.pollMs);
    ({ deletion } = await ctx.api.readDeletion(deletion.guid));
  }
  ctx.show(
    () =>
      `${deletionSummary(deletion)}${warnings.map((w) => `warning: ${w.code}: ${w.message}\n`).join('')}${
        deletion.status === 'RUNNING' ? `Follow it: mxflow deletions show ${deletion.guid} --wait\n` : ''
      }`,
    { deletion, ...(warnings.length ? { warnings } : {}) },
  );
  if (deletion.status === 'FAILED') throw new Failed('');
}

/** `--wait` and `--poll-ms`, on every command that starts or shows a deletion. */
export const waitOptions = (command: Command): Command =>
  command
    .option('--wait', 'read the deletion until it ends (exit 1 if it FAILED)')
    .option('--poll-ms <ms>', 'how often to read it with --wait', positiveInt, 500);

export function deletionsCommand(program: Command, run: CommandRunner): void {
  const deletions = program
    .command('deletions')
    .description('deletions of users and members: their running jobs cancelled, MX told, every item purged')
    .addHelpText('after', '\nExamples:\n  $ mxflow deletions show DEL-… --wait');
  waitOptions(
    deletions
      .command('show')
      .description('read a deletion (and with --wait, until it ends)')
      .argument('<deletion>', 'the deletion (DEL-…)', deletionGuid),
  )
    .addHelpText('after', '\nExamples:\n  $ mxflow deletions show DEL-… --wait')
    .action(
      run(async (ctx, [guid], o: WaitFlags) => {
        const { deletion } = await ctx.api.readDeletion(String(guid));
        await showDeletion(ctx, deletion, o);
      }),
    );
}
