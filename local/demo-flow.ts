import type { JobView, MxflowApiClient } from '#cli/api-client.js';
import { followJob } from '#cli/follow-job.js';
import { maskAccountNumber as maskForScreen, shownAccountNumber } from '#cli/output.js';
import { counted, withArticle } from '#shared/api/wording.js';
import type { JobType } from '#shared/contract/workflow.js';

/** The MX Bank test login the demo uses: every job meets a TEXT challenge, answered `correct`. */
const DEMO_LOGIN = { username: 'mxuser', password: 'challenge' };
const ACCOUNT_SELECTION = /select an account/i;

interface DemoSummary {
  readonly verify: { status: string; account_numbers: number };
  readonly identify: { status: string; account_owners: number };
  readonly aggregate: { status: string; accounts: number; transactions: number };
}

export interface DemoDetails {
  readonly summary: DemoSummary;
  readonly accountNumbers: {
    account_number?: string;
    routing_number?: string;
    account_guid?: string;
    is_tokenized?: boolean;
  }[];
  readonly owners: { owner_name?: string; city?: string; state?: string }[];
  readonly accounts: { guid?: string; name?: string; type?: string; balance?: number; account_number?: string }[];
}

/** Masks an account number for the screen: the last four digits only. */
export const maskAccountNumber = (value: string | undefined) => maskForScreen(value) ?? '—';

/** The summary's account numbers: each shown by its account's own masked number (never a TAN's digits), with its routing number. */
export function describeAccountNumbers({
  accountNumbers,
  accounts,
}: Pick<DemoDetails, 'accountNumbers' | 'accounts'>): string {
  const byGuid = new Map(accounts.map((a) => [a.guid, a]));
  return accountNumbers
    .map((n) => `${shownAccountNumber(n, byGuid.get(n.account_guid)) ?? '—'} (routing ${n.routing_number ?? '—'})`)
    .join(', ');
}

/** The demo's closing table: for each job, its status and what came back, in plain words. */
export function summaryRows(details: DemoDetails): { job: JobType; status: string; what: string }[] {
  const { summary, owners, accounts } = details;
  const ownerNames = [...new Set(owners.map((o) => o.owner_name))].join(', ');
  const accountTypes = accounts.map((a) => a.type).join(', ');
  const { verify, identify, aggregate } = summary;
  return [
    {
      job: 'verify',
      status: verify.status,
      what: `${counted(verify.account_numbers, 'account number')}: ${describeAccountNumbers(details)}`,
    },
    {
      job: 'identify',
      status: identify.status,
      what: `${counted(identify.account_owners, 'owner record')}: ${ownerNames}`,
    },
    {
      job: 'aggregate',
      status: aggregate.status,
      what: `${counted(aggregate.accounts, 'account')} (${accountTypes}), ${counted(aggregate.transactions, 'transaction')}`,
    },
  ];
}

async function count(pages: AsyncIterable<unknown[]>): Promise<number> {
  let total = 0;
  for await (const page of pages) total += page.length;
  return total;
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/**
 * What a product backend does with mxflow, over its HTTP API: a user, MX Bank and its fields,
 * a member, then a verification, an identification and an aggregation, each followed to its
 * end with its challenges answered.
 */
export async function runDemo(api: MxflowApiClient, log: (line: string) => void, pollMs = 200): Promise<DemoDetails> {
  const { user } = await api.createUser({ id: `demo-${Date.now()}`, metadata: '{"source":"npm run demo"}' });
  log(`created user ${user.guid}`);
  const { institutions } = await api.searchInstitutions({ name: 'MX Bank', supports_account_verification: true });
  const bank = institutions.find((i) => i.code === 'mxbank');
  if (!bank) throw new Error('MX Bank (mxbank) was not found among the institutions');
  log(`found ${String(bank.name)} (${String(bank.code)})`);
  const { credentials: fields } = await api.credentialFields('mxbank');
  log(`MX Bank asks for: ${fields.map((f) => f.label ?? f.field_name).join(', ')}`);
  const credentials = fields.map((f) => ({
    guid: f.guid,
    value: (f.field_type ?? f.type) === 'PASSWORD' ? DEMO_LOGIN.password : DEMO_LOGIN.username,
  }));
  const { member } = await api.createMember(user.guid, {
    institution_code: 'mxbank',
    credentials,
    skip_aggregation: true,
  });
  log(`connected member ${member.guid} (skip_aggregation)`);

  const run = async (type: JobType): Promise<JobView> => {
    const { job } = await api.startJob(type, user.guid, member.guid);
    log(`${type}: started ${withArticle(`${type} job`)}, ${job.guid}`);
    return followJob(
      api,
      { userGuid: user.guid, memberGuid: member.guid, jobGuid: job.guid },
      {
        pollMs,
        onChange: (j, ms) =>
          log(
            `${type}: ${j.status.padEnd(10)} ${String(j.connection_status ?? '').padEnd(11)} ${(ms / 1000).toFixed(1).padStart(5)} s`,
          ),
        // Every challenge of the round at once; option values are opaque, so options are told apart by label.
        answer: async (j) =>
          (j.challenges ?? []).map((c) => {
            const offered = c.options ?? c.image_options ?? [];
            const selection = ACCOUNT_SELECTION.test(String(c.label));
            const pick = selection
              ? (offered.find((o) => /checking/i.test(String(o.label))) ?? offered[0])
              : offered.find((o) => o.value === 'correct');
            log(
              `${type}: answering "${c.label}" with ${selection ? `the account ${String(pick?.label)}` : 'the test answer'}`,
            );
            return { guid: c.guid, value: String(pick?.value ?? 'correct') };
          }),
      },
    );
  };

  const verify = await run('verify');
  const accountNumbers = await collect(
    api.results<DemoDetails['accountNumbers'][number]>('account_numbers', user.guid, member.guid),
  );
  const identify = await run('identify');
  const owners = await collect(api.results<DemoDetails['owners'][number]>('account_owners', user.guid, member.guid));
  const aggregate = await run('aggregate');
  const accounts = await collect(api.results<DemoDetails['accounts'][number]>('accounts', user.guid, member.guid));
  const transactions = await count(api.results('transactions', user.guid, member.guid));

  return {
    summary: {
      verify: { status: verify.status, account_numbers: accountNumbers.length },
      identify: { status: identify.status, account_owners: owners.length },
      aggregate: { status: aggregate.status, accounts: accounts.length, transactions },
    },
    accountNumbers,
    owners,
    accounts,
  };
}
