import type { MxClient, MxPage } from '#shared/mx/index.js';
import type { AnswerPlan, ApiJob, ScriptedBackend, ScriptedJobType } from './scripted-backend.js';

/** One job of a reliability run: what it is, how its challenges are answered, how it must end. */
export interface JobSpec<P extends AnswerPlan = AnswerPlan> {
  readonly index: number;
  readonly type: ScriptedJobType;
  readonly password: string;
  readonly plan: P;
  readonly expected: { status: 'SUCCEEDED' } | { status: 'FAILED'; code: string };
}

export type JobPattern = readonly { type: ScriptedJobType; password: string; challenged: boolean }[];

/** `count` jobs cycling through `pattern`; the challenged ones cycle through `plans`. */
export function jobSpecs<P extends AnswerPlan>(count: number, pattern: JobPattern, plans: readonly P[]): JobSpec<P>[] {
  let challenged = 0;
  return Array.from({ length: count }, (_, index) => {
    const kind = pattern[index % pattern.length]!;
    const plan = (kind.challenged ? plans[challenged++ % plans.length]! : 'correct') as P;
    const expected: JobSpec['expected'] =
      kind.password === 'denied'
        ? { status: 'FAILED', code: 'CREDENTIALS_INVALID' }
        : plan === 'wrong'
          ? { status: 'FAILED', code: 'MFA_REJECTED' }
          : plan === 'never'
            ? { status: 'FAILED', code: 'CHALLENGE_EXPIRED' }
            : { status: 'SUCCEEDED' };
    return { index, type: kind.type, password: kind.password, plan, expected };
  });
}

/** What each job type stores besides the member's accounts. */
export const KIND_OF_JOB: Record<ScriptedJobType, string> = {
  aggregate: 'transactions',
  verify: 'account_numbers',
  identify: 'account_owners',
};

export async function inBatches<T, R>(items: readonly T[], size: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(each))));
  return out;
}

export async function all<T>(pages: AsyncIterable<MxPage<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

/** A finished job of a run, with the member it ran on. */
export interface FinishedRun {
  readonly spec: JobSpec;
  readonly userGuid: string;
  readonly memberGuid: string;
  readonly job: ApiJob;
}

/**
 * Every way the stored results, read through the API, differ from MX's own: a duplicate guid,
 * results left by a failed job, a count or a guid that is not MX's (3 accounts per member;
 * `transactionsPerAccount` each for an aggregation). Empty when each job stored exactly MX's data.
 */
export async function storedResultMismatches(
  runs: readonly FinishedRun[],
  { backend, mx, transactionsPerAccount }: { backend: ScriptedBackend; mx: MxClient; transactionsPerAccount: number },
): Promise<string[]> {
  const mismatches: string[] = [];
  await inBatches(runs, 10, async ({ spec, userGuid, memberGuid, job }) => {
    const kind = KIND_OF_JOB[spec.type];
    const [accounts, own] = await Promise.all([
      backend.results('accounts', userGuid, memberGuid),
      backend.results(kind, userGuid, memberGuid),
    ]);
    const say = (what: string) =>
      mismatches.push(`job ${spec.index} ${spec.type}/${spec.password}/${spec.plan} ${job.guid}: ${what}`);
    for (const [name, stored] of [
      ['accounts', accounts],
      [kind, own],
    ] as const) {
      if (new Set(stored.map((i) => i.guid)).size !== stored.length) say(`duplicate ${name} guids`);
    }
    if (job.status !== 'SUCCEEDED') {
      if (accounts.length + own.length > 0)
        say(`a ${job.status} job left ${accounts.length} accounts and ${own.length} ${kind}`);
      return;
    }
    const truthAccounts = await all(mx.listMemberAccounts(userGuid, memberGuid));
    const truthOwn: { guid?: string | null }[] =
      kind === 'transactions'
        ? (
            await Promise.all(truthAccounts.map((a) => all(mx.listTransactionsByAccount(userGuid, String(a.guid)))))
          ).flat()
        : kind === 'account_numbers'
          ? await all(mx.listAccountNumbersByMember(userGuid, memberGuid))
          : await all(mx.listAccountOwnersByMember(userGuid, memberGuid));
    const expectedOwn = { transactions: transactionsPerAccount * 3, account_numbers: 1, account_owners: 3 }[kind];
    const sorted = (stored: { guid?: string | null }[]) => stored.map((i) => String(i.guid)).sort();
    if (accounts.length !== 3 || truthAccounts.length !== 3)
      say(`${accounts.length} accounts stored, MX has ${truthAccounts.length}, expected 3`);
    if (own.length !== expectedOwn || truthOwn.length !== expectedOwn)
      say(`${own.length} ${kind} stored, MX has ${truthOwn.length}, expected ${expectedOwn}`);
    if (JSON.stringify(sorted(accounts)) !== JSON.stringify(sorted(truthAccounts)))
      say('stored account guids differ from MX');
    if (JSON.stringify(sorted(own)) !== JSON.stringify(sorted(truthOwn))) say(`stored ${kind} guids differ from MX`);
    if (job.counts?.accounts !== 3 || job.counts?.[kind] !== expectedOwn)
      say(`job counts ${JSON.stringify(job.counts)}`);
  });
  return mismatches;
}
