import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError, userGuid } from '#cli/context.js';
import { fields } from '#cli/output.js';
import { showDeletion, type WaitFlags, waitOptions } from './deletions.js';
import type { CommandRunner } from './runner.js';

export function usersCommand(program: Command, run: CommandRunner): void {
  const users = program
    .command('users')
    .description('MX users: the people whose banks are connected')
    .addHelpText('after', '\nExamples:\n  $ mxflow users create --id customer-42\n  $ mxflow users create --help');

  users
    .command('create')
    .description('create a user (or get the one with this --id back)')
    .option('--id <id>', "your id for the user (MX's `id`); without --id, --email and --metadata one is made up")
    .option('--email <email>', "the user's email")
    .option('--metadata <json>', 'any JSON to keep with the user (up to 4 KB)')
    .addHelpText(
      'after',
      `
Examples:
  $ mxflow users create --id customer-42
  $ mxflow users create --id customer-42 --email ada@example.com --metadata '{"plan":"pro"}'
  $ mxflow users create --json`,
    )
    .action(
      run(async (ctx, _args, o: { id?: string; email?: string; metadata?: string }) => {
        if (o.metadata !== undefined) {
          try {
            JSON.parse(o.metadata);
          } catch {
            throw new UsageError('--metadata must be JSON, e.g. \'{"plan":"pro"}\'');
          }
        }
        const request = {
          ...(o.id ? { id: o.id } : {}),
          ...(o.email ? { email: o.email } : {}),
          ...(o.metadata ? { metadata: o.metadata } : {}),
        };
        if (Object.keys(request).length === 0) request.id = `mxflow-cli-${randomUUID().slice(0, 8)}`;
        const { user } = await ctx.api.createUser(request);
        ctx.show(
          () =>
            `${fields([
              ['user', user.guid],
              ['id', user.id],
              ['email', user.email],
              ['metadata', user.metadata],
              ['created', user.created_at],
            ])}\nNext: mxflow members create --user ${user.guid} --institution mxbank\n`,
          { user },
        );
      }),
    );

  waitOptions(
    users
      .command('delete')
      .description('delete a user: running jobs cancelled, MX deletes it, every item mxflow holds purged')
      .requiredOption('--user <guid>', 'the user (USR-…)', userGuid),
  )
    .addHelpText('after', '\nExamples:\n  $ mxflow users delete --user USR-… --wait')
    .action(
      run(async (ctx, _args, o: { user: string } & WaitFlags) => {
        const { deletion } = await ctx.api.deleteUser(o.user);
        await showDeletion(ctx, deletion, o);
      }),
    );
}
