import { type Command, Option } from 'commander';
import { positiveInt } from '#cli/context.js';
import { table, yesNo } from '#cli/output.js';
import type { CommandRunner } from './runner.js';

type Institution = Record<string, unknown>;

export function institutionsCommand(program: Command, run: CommandRunner): void {
  const institutions = program
    .command('institutions')
    .description("MX's institutions: search them, see what they ask for")
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow institutions search bank --verification\n  $ mxflow institutions credentials mxbank',
    );

  institutions
    .command('search')
    .description('search institutions by name and by what they support')
    .argument('[name]', 'part of the name (any case)')
    .option('--verification', 'only those supporting account verification')
    .option('--identification', 'only those supporting account identification')
    .addOption(new Option('--page <n>', 'page of results').argParser(positiveInt).default(1))
    .addHelpText(
      'after',
      `
Examples:
  $ mxflow institutions search
  $ mxflow institutions search "mx bank" --verification
  $ mxflow institutions search --identification --page 2 --json`,
    )
    .action(
      run(async (ctx, [name], o: { verification?: boolean; identification?: boolean; page: number }) => {
        const response = await ctx.api.searchInstitutions({
          ...(name ? { name } : {}),
          ...(o.verification ? { supports_account_verification: true } : {}),
          ...(o.identification ? { supports_account_identification: true } : {}),
          page: o.page,
        });
        const p = response.pagination;
        ctx.show(
          () =>
            table(response.institutions, [
              { header: 'code', value: (i: Institution) => i.code as string },
              { header: 'name', value: (i) => i.name as string },
              { header: 'verification', value: (i) => yesNo(i.supports_account_verification) },
              { header: 'identification', value: (i) => yesNo(i.supports_account_identification) },
              { header: 'transactions', value: (i) => yesNo(i.supports_transaction_history) },
              { header: 'oauth', value: (i) => yesNo(i.supports_oauth) },
            ]) + (p ? `page ${p.current_page} of ${p.total_pages} (${p.total_entries} institutions)\n` : ''),
          response,
        );
      }),
    );

  institutions
    .command('credentials')
    .description('the credential fields a member at this institution needs')
    .argument('<code>', 'the institution code, e.g. mxbank')
    .addHelpText(
      'after',
      '\nExamples:\n  $ mxflow institutions credentials mxbank\n  $ mxflow institutions credentials mxbank --json',
    )
    .action(
      run(async (ctx, [code], _o) => {
        const response = await ctx.api.credentialFields(String(code));
        ctx.show(
          () =>
            table(response.credentials, [
              { header: 'guid', value: (f) => f.guid },
              { header: 'label', value: (f) => f.label },
              { header: 'field', value: (f) => f.field_name },
              { header: 'type', value: (f) => f.field_type ?? f.type },
            ]),
          response,
        );
      }),
    );
}
