import type { Command } from 'commander';
import { collect, memberGuid, UsageError, userGuid } from '#cli/context.js';
import { fields, table, yesNo } from '#cli/output.js';
import { resolveCredentials } from '#cli/prompt-credentials.js';
import { showDeletion, type WaitFlags, waitOptions } from './deletions.js';
import type { CommandRunner } from './runner.js';

interface CreateOptions {
  readonly user: string;
  readonly institution: string;
  readonly credential?: string[];
  readonly oauth?: boolean;
  readonly skipAggregation?: boolean;
  readonly redirectUrl?: string;
  readonly app?: boolean;
}

interface WindowOptions {
  readonly user: string;
  readonly member: string;
  readonly redirectUrl?: string;
  readonly app?: boolean;
  readonly skipAggregation?: boolean;
}

/**
 * How an OAuth window sends the end user back: `--app --redirect-url` (referral_source APP), or a
 * browser, which MX sends nowhere (a `--redirect-url` alone is passed on, as MX's guide asks of
 * every OAuth member, and MX ignores it).
 */
function appReferral(o: { readonly app?: boolean; readonly redirectUrl?: string }) {
  if (o.app && !o.redirectUrl) throw new UsageError('--app needs --redirect-url: MX sends the end user back there');
  return {
    ...(o.app ? { referral_source: 'APP' as const } : {}),
    ...(o.redirectUrl ? { client_redirect_url: o.redirectUrl } : {}),
  };
}

export function membersCommand(program: Command, run: CommandRunner): void {
  const members = program
    .command('members')
    .description("a user's connections to institutions")
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow members create --user USR-… --institution mxbank\n  $ mxflow members list --user USR-…',
    );

  members
    .command('create')
    .description('connect a member at an institution, with credentials or through OAuth')
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--institution <code>', 'the institution code (see `mxflow institutions search`)')
    .option(
      '--credential <label=value>',
      'a credential, by its label or field name; repeatable. Fields not given are asked for',
      collect,
    )
    .option('--oauth', 'connect through OAuth: prints the link the end user opens')
    .option('--app', 'with --oauth: the end user is in a mobile app (referral_source APP): needs --redirect-url')
    .option(
      '--redirect-url <url>',
      'with --oauth: where the OAuth window sends the end user back (used by MX with --app)',
    )
    .option('--skip-aggregation', 'do not start the first aggregation now')
    .addHelpText(
      'after',
      `
Credentials given as options can be seen in your shell history and by other users of this
machine (ps); leave them out to be asked, with passwords masked. They are never printed.

Examples:
  $ mxflow members create --user USR-… --institution mxbank --skip-aggregation
  $ mxflow members create --user USR-… --institution mxbank --credential Username=mxuser --credential Password=challenge
  $ mxflow members create --user USR-… --institution mx_bank_oauth --oauth
  $ mxflow members create --user USR-… --institution mx_bank_oauth --oauth --app --redirect-url myapp://connected`,
    )
    .action(
      run(async (ctx, _args, o: CreateOptions) => {
        if (o.oauth && o.credential?.length) throw new UsageError('--oauth members take no --credential');
        if ((o.redirectUrl || o.app) && !o.oauth) throw new UsageError('--redirect-url and --app go with --oauth');
        const referral = appReferral(o);
        let credentials: { guid: string; value: string }[] | undefined;
        if (!o.oauth) {
          const { credentials: wanted } = await ctx.api.credentialFields(o.institution);
          if (wanted.length === 0)
            throw new UsageError(`${o.institution} asks for no credentials: connect with --oauth`);
          credentials = await resolveCredentials(wanted, o.credential ?? [], {
            interactive: ctx.io.interactive,
            prompts: ctx.io.prompts,
          });
        }
        const { member, job } = await ctx.api.createMember(
          o.user,
          {
            institution_code: o.institution,
            ...(credentials ? { credentials } : { is_oauth: true }),
            ...(o.skipAggregation ? { skip_aggregation: true } : {}),
          },
          referral,
        );
        ctx.show(
          () => {
            let text = fields([
              ['member', member.guid],
              ['user', member.user_guid],
              ['institution', member.institution_code],
              ['connection', member.connection_status],
              ['oauth', yesNo(member.is_oauth)],
              ['created', member.created_at],
            ]);
            if (member.oauth_window_uri) text += `\nOpen this link to finish OAuth:\n  ${member.oauth_window_uri}\n`;
            const follow = (j: string) =>
              `mxflow jobs follow --user ${member.user_guid} --member ${member.guid} --job ${j}`;
            text += job
              ? `\nIts first aggregation is job ${job.guid}: ${follow(job.guid)}\n`
              : `\nNext: mxflow jobs start verify --user ${member.user_guid} --member ${member.guid} --follow\n`;
            return text;
          },
          { member, ...(job ? { job } : {}) },
        );
      }),
    );

  members
    .command('oauth-window')
    .description('a fresh OAuth window for an OAuth member still waiting (PENDING, EXPIRED, or its consent refused)')
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
    .option('--app', 'the end user is in a mobile app (referral_source APP): needs --redirect-url')
    .option('--redirect-url <url>', 'where the OAuth window sends the end user back (used by MX with --app)')
    .option('--skip-aggregation', 'no aggregation once the window is finished')
    .addHelpText(
      'after',
      `
The earlier link stops working. A job waiting for the end user gets the new link; otherwise a
job starts that waits for it.

Examples:
  $ mxflow members oauth-window --user USR-… --member MBR-…
  $ mxflow members oauth-window --user USR-… --member MBR-… --app --redirect-url myapp://connected`,
    )
    .action(
      run(async (ctx, _args, o: WindowOptions) => {
        const { member, job } = await ctx.api.requestOAuthWindow(o.user, o.member, {
          ...appReferral(o),
          ...(o.skipAggregation ? { skip_aggregation: true } : {}),
        });
        ctx.show(
          () => {
            let text = `Open this link to finish OAuth:\n  ${member.oauth_window_uri}\n`;
            if (job)
              text += `\nJob ${job.guid} waits for it: mxflow jobs follow --user ${member.user_guid} --member ${member.guid} --job ${job.guid}\n`;
            return text;
          },
          { member, ...(job ? { job } : {}) },
        );
      }),
    );

  members
    .command('list')
    .description("list the user's members")
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow members list --user USR-…\n  $ mxflow members list --user USR-… --json',
    )
    .action(
      run(async (ctx, _args, o: { user: string }) => {
        const response = await ctx.api.listMembers(o.user);
        ctx.show(
          () =>
            table(response.members, [
              { header: 'member', value: (m) => m.guid },
              { header: 'institution', value: (m) => m.institution_code },
              { header: 'connection', value: (m) => m.connection_status },
              { header: 'oauth', value: (m) => yesNo(m.is_oauth) },
              { header: 'id', value: (m) => m.id },
              { header: 'created', value: (m) => m.created_at },
            ]),
          response,
        );
      }),
    );

  waitOptions(
    members
      .command('delete')
      .description('delete a member: its running job cancelled, MX deletes it, every item mxflow holds purged')
      .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
      .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid),
  )
    .addHelpText(
      'after',
      `
Account numbers stored for the member are deleted with it; tokenized ones from Chase stop
working for ACH. The warnings say so.

Examples:
  $ mxflow members delete --user USR-… --member MBR-…
  $ mxflow members delete --user USR-… --member MBR-… --wait`,
    )
    .action(
      run(async (ctx, _args, o: { user: string; member: string } & WaitFlags) => {
        const { deletion, warnings } = await ctx.api.deleteMember(o.user, o.member);
        await showDeletion(ctx, deletion, o, warnings);
      }),
    );
}
