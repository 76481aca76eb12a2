import { Argument, type Command, Option } from 'commander';
import type { ResultKind } from '#cli/api-client.js';
import { accountGuid, isoDate, memberGuid, positiveInt, UsageError, userGuid } from '#cli/context.js';
import { type Column, maskAccountNumber, shownAccountNumber, table, yesNo } from '#cli/output.js';
import type { CommandRunner } from './runner.js';

type Row = Record<string, unknown>;
const s = (key: string) => (r: Row) => (r[key] === null || r[key] === undefined ? undefined : String(r[key]));
const money = (key: string) => (r: Row) => (typeof r[key] === 'number' ? (r[key] as number).toFixed(2) : s(key)(r));

/**
 * Account numbers are masked in every table (a terminal is a place people look over shoulders),
 * and taken from the account's own masked number, so a TAN's digits are never shown.
 */
const columns = (accounts: ReadonlyMap<unknown, Row>): Record<ResultKind, Column<Row>[]> => ({
  accounts: [
    { header: 'account', value: s('guid') },
    { header: 'name', value: s('name') },
    { header: 'type', value: s('type') },
    { header: 'number', value: (r) => maskAccountNumber(r.account_number) },
    { header: 'balance', value: money('balance'), right: true },
    { header: 'currency', value: s('currency_code') },
  ],
  account_numbers: [
    { header: 'account', value: s('account_guid') },
    { header: 'account number', value: (r) => shownAccountNumber(r, accounts.get(r.account_guid)) },
    { header: 'routing number', value: s('routing_number') },
    { header: 'tokenized', value: (r) => yesNo(r.is_tokenized) },
    { header: 'validated', value: (r) => yesNo(r.passed_validation) },
  ],
  account_owners: [
    { header: 'account', value: s('account_guid') },
    { header: 'owner', value: s('owner_name') },
    { header: 'address', value: s('address') },
    { header: 'city', value: s('city') },
    { header: 'state', value: s('state') },
    { header: 'postal code', value: s('postal_code') },
  ],
  transactions: [
    { header: 'date', value: (r) => s('date')(r) ?? s('transacted_at')(r)?.slice(0, 10) },
    { header: 'account', value: s('account_guid') },
    { header: 'amount', value: money('amount'), right: true },
    { header: 'type', value: s('type') },
    { header: 'status', value: s('status') },
    { header: 'description', value: s('description') },
  ],
});

interface ResultOptions {
  readonly user: string;
  readonly member: string;
  readonly account?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export function resultsCommand(program: Command, run: CommandRunner): void {
  program
    .command('results')
    .description("a member's stored results: accounts, account numbers, owners, transactions")
    .addArgument(
      new Argument('<kind>', 'which results').choices([
        'accounts',
        'account_numbers',
        'account_owners',
        'transactions',
      ]),
    )
    .requiredOption('--user <guid>', 'the user (USR-…)', userGuid)
    .requiredOption('--member <guid>', 'the member (MBR-…)', memberGuid)
    .option('--account <guid>', 'only this account (ACT-…)', accountGuid)
    .option('--from <date>', 'transactions: from this day (YYYY-MM-DD)', isoDate)
    .option('--to <date>', 'transactions: up to this day (YYYY-MM-DD)', isoDate)
    .addOption(new Option('--limit <n>', 'at most this many rows').argParser(positiveInt))
    .addHelpText(
      'after',
      `
Tables show account numbers masked to their last four digits, taken from the account's own
masked number: a tokenized account number (TAN) is never shown. --json shows them in full.

Examples:
  $ mxflow results account_numbers --user USR-… --member MBR-…
  $ mxflow results account_numbers --user USR-… --member MBR-… --json
  $ mxflow results transactions --user USR-… --member MBR-… --account ACT-… --from 2025-01-01 --to 2025-01-31 --limit 20`,
    )
    .action(
      run(async (ctx, [kindArg], o: ResultOptions) => {
        const kind = kindArg as ResultKind;
        if ((o.from || o.to) && kind !== 'transactions') throw new UsageError('--from and --to go with transactions');
        if (o.from && o.to && o.from > o.to) throw new UsageError('--from must not be after --to');
        const serverFilter = kind === 'transactions';
        const query = {
          ...(o.limit ? { limit: Math.min(o.limit, 1000) } : {}),
          ...(serverFilter && o.account ? { account_guid: o.account } : {}),
          ...(o.from ? { from_date: o.from } : {}),
          ...(o.to ? { to_date: o.to } : {}),
        };
        const rows: Row[] = [];
        const accountOf = (r: Row) => (kind === 'accounts' ? r.guid : r.account_guid);
        for await (const page of ctx.api.results<Row>(kind, o.user, o.member, query)) {
          rows.push(...page.filter((r) => serverFilter || !o.account || accountOf(r) === o.account));
          if (o.limit && rows.length >= o.limit) break;
        }
        const shown = o.limit ? rows.slice(0, o.limit) : rows;
        // The accounts' own masked numbers, for the table only.
        const accounts = new Map<unknown, Row>();
        if (kind === 'account_numbers' && !ctx.json)
          for await (const page of ctx.api.results<Row>('accounts', o.user, o.member))
            for (const a of page) accounts.set(a.guid, a);
        ctx.show(
          () => `${table(shown, columns(accounts)[kind])}${shown.length} ${shown.length === 1 ? 'row' : 'rows'}\n`,
          { [kind]: shown },
        );
      }),
    );
}
