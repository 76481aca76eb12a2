import type { TransactionResponse } from 'mx-platform-node';
import { COPY_STEP_BOUND, isTerminal } from '#shared/contract/workflow.js';
import type { DateRange } from '#shared/mx/client.js';
import type { MxPage } from '#shared/mx/index.js';
import type { JobRecord, JobRef } from '#shared/store/job-record.js';
import type { ResultKind } from '#shared/store/keys.js';
import type { ResultStore } from '#shared/store/result-store.js';
import type { PendingTransaction, TransactionSyncStore } from '#shared/store/transaction-sync-store.js';
import { forEachWithConcurrency } from '#shared/util/concurrency.js';
import { type CopyCursor, type Progress, type TransactionSync, waitAfterMxTrouble } from './progress.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { asWorkflowError, jobNotActive, rateLimitOf } from './workflow-errors.js';

/**
 * Rows stored per kind; `refreshed` (aggregation) is false when MX throttled the aggregation
 * and the data is what MX had before; `account_numbers_not_validated` counts numbers with
 * `passed_validation: false`, which RecordSuccess turns into a warning.
 */
export type ResultCounts = Partial<Record<ResultKind, number>> & {
  refreshed?: boolean;
  account_numbers_not_validated?: number;
  /** A sync: accounts MX no longer returns (kept, marked closed), and pending transactions MX replaced. */
  accounts_closed?: number;
  transactions_removed?: number;
};

/** How much one FetchResults invocation copies before it hands back its cursor. */
export interface CopyStepBound {
  readonly seconds: number;
  readonly pages: number;
}

/** What each job leaves behind: its own results, and the accounts they belong to. */
const RESULTS_OF_JOB = {
  verify: ['accounts', 'account_numbers'],
  identify: ['accounts', 'account_owners'],
  aggregate: ['accounts', 'transactions'],
  history: ['accounts', 'transactions'],
} as const satisfies Record<JobRef['jobType'], readonly ResultKind[]>;

type CopyDeps = Pick<WorkflowDeps, 'mx' | 'jobs' | 'results' | 'fetchConcurrency' | 'now' | 'random'> & {
  readonly sync?: WorkflowSyncStore | undefined;
  /** COPY_STEP_BOUND unless the runtime (or a test) says otherwise. */
  readonly copyBound?: CopyStepBound;
  /** Milliseconds of a monotonic clock, for the time bound; performance.now unless a test fixes it. */
  readonly elapsedMs?: () => number;
};

/**
 * The FetchResults step, one bounded piece of the copy at a time: it copies pages from the
 * cursor in `progress.copy` until the work bound, then hands back the cursor it reached with
 * FETCH_RESULTS (the state machine calls it again), or, once every list is copied,
 * RECORD_SUCCESS with the counts. Each page is written before the cursor moves past it, so a
 * failed invocation is retried from the cursor last returned and copies at most one step's
 * pages again (rows are keyed by MX guid: a rewrite, not a duplicate). After MX's 429 (when
 * the page retry in the client would have come back sooner than MX asked) it returns the
 * cursor reached so far with RETRY_FETCH, after at least MX's Retry-After.
 */
export async function fetchResultsStep(
  deps: CopyDeps,
  { job, includeTransactions, progress }: { job: JobRef; includeTransactions: boolean; progress: Progress },
): Promise<Progress> {
  // A late step of a cancelled job, or of a member a deletion purged, copies nothing.
  const current = await deps.jobs.getJob(job.memberGuid, job.jobGuid);
  if (!current || isTerminal(current.status)) throw jobNotActive(job.jobGuid);
  const copy = new CopyRun(deps, job, current, includeTransactions, progress);
  try {
    await copy.start();
    const finished = await copy.run();
    if (finished) {
      const { copy: _done, ...rest } = progress;
      const { counts, sync } = copy.snapshot();
      return { ...rest, next: 'RECORD_SUCCESS', reason: null, retryWaits: 0, counts, ...(sync ? { sync } : {}) };
    }
    return { ...progress, next: 'FETCH_RESULTS', reason: null, retryWaits: 0, ...copy.snapshot() };
  } catch (error) {
    const limited = rateLimitOf(error);
    if (limited) {
      const waiting = { ...progress, ...(copy.started ? copy.snapshot() : {}) };
      return waitAfterMxTrouble(waiting, 'RETRY_FETCH', limited.retryAfterSeconds, deps.random ?? Math.random);
    }
    throw asWorkflowError(error);
  }
}

/** The kinds listed per member (all pages of one list in a row), as opposed to per account. */
type MemberListKind = Exclude<ResultKind, 'transactions'>;

/** One invocation's copy: the cursor and counts it started from, moved on as pages land. */
class CopyRun {
  private cursor: CopyCursor;
  private counts: ResultCounts;
  private sync: TransactionSync | undefined;
  /** The guids of the pending notes, read once an invocation (a sync's changes forget those that posted). */
  private noted: Promise<ReadonlySet<string>> | undefined;
  private pagesAsked = 0;
  private readonly deadline: number;
  private readonly bound: CopyStepBound;
  private readonly clock: () => number;

  constructor(
    private readonly deps: CopyDeps,
    private readonly job: JobRef,
    /** The job's record as this invocation read it. */
    private readonly record: JobRecord,
    private readonly includeTransactions: boolean,
    progress: Progress,
  ) {
    this.bound = deps.copyBound ?? COPY_STEP_BOUND;
    this.clock = deps.elapsedMs ?? (() => performance.now());
    this.deadline = this.clock() + this.bound.seconds * 1000;
    this.cursor = structuredClone(progress.copy ?? { pages: {}, accountGuids: [], transactionPages: [] });
    this.counts = { ...(progress.counts ?? {}) } as ResultCounts;
    this.sync = progress.sync;
    this.started = progress.copy !== undefined;
  }

  /** Whether the copy has begun (a cursor exists): the refresh check has run then. */
  started: boolean;

  /**
   * The first step of an aggregation asks first whether MX refreshed the data at all: the
   * aggregation has ended, so the answer is final and read once, and a failed read costs a
   * retry of one read, not of a copy.
   */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.job.jobType === 'aggregate') {
      const refreshed = await wasRefreshed(this.deps, this.job, this.record);
      if (refreshed !== undefined) this.counts.refreshed = refreshed;
    }
    if (this.copiesTransactions() && this.deps.sync) {
      this.sync = await planTransactionSync(this.deps.sync, this.deps.results, this.job, this.deps.now());
    }
    this.started = true;
  }

  /** Copies until everything is in (true) or the work bound is reached (false). */
  async run(): Promise<boolean> {
    for (const kind of RESULTS_OF_JOB[this.job.jobType]) {
      if (kind === 'transactions') continue;
      if (!(await this.copyMemberList(kind))) return false;
    }
    if (!this.copiesTransactions()) return true;
    if (this.sync?.mode === 'changes' && !this.sync.accountsChecked) await this.checkAccounts(this.sync);
    if (!(await this.copyTransactions())) return false;
    if (this.sync?.mode === 'changes' && !this.sync.pendingChecked) return this.checkPending(this.sync);
    return true;
  }

  /** An aggregation (unless told not to) and an extended history bring transactions. */
  private copiesTransactions(): boolean {
    return (this.job.jobType === 'aggregate' && this.includeTransactions) || this.job.jobType === 'history';
  }

  /** The cursor, counts and sync reached, to hand to the next step (a copy: streams may still be in flight). */
  snapshot(): { copy: CopyCursor; counts: ResultCounts; sync?: TransactionSync } {
    return structuredClone({ copy: this.cursor, counts: this.counts, ...(this.sync ? { sync: this.sync } : {}) });
  }

  /**
   * Accounts the published results have and MX no longer returns stay, marked closed (their
   * transactions stay too); accounts MX returns for the first time get their transactions whole.
   */
  private async checkAccounts(sync: Extract<TransactionSync, { mode: 'changes' }>): Promise<void> {
    const published = await publishedAccounts(this.deps.results, this.job.memberGuid);
    const returned = new Set(this.cursor.accountGuids);
    const closed = published
      .filter((account) => !returned.has(String(account.guid)))
      .map((account) => ({ ...account, guid: String(account.guid), is_closed: true }));
    if (closed.length > 0) {
      const { memberGuid, jobGuid, userGuid } = this.job;
      // Their stored numbers stay as stored (encrypted: this step may not decrypt), bound to the same member.
      await this.deps.results.putResults(memberGuid, 'accounts', jobGuid, closed, this.deps.now(), userGuid);
      this.counts.accounts_closed = closed.length;
    }
    const known = new Set(published.map((account) => String(account.guid)));
    const newAccounts = this.cursor.accountGuids.filter((guid) => !known.has(guid));
    this.sync = { ...sync, accountsChecked: true, ...(newAccounts.length > 0 ? { newAccounts } : {}) };
  }

  /**
   * The stored PENDING transactions the changes did not touch: MX may have replaced them (the
   * pending record gone, a posted one under a new guid among the changes) or still hold them.
   * One date window per account, from its oldest pending one: what MX still lists is refreshed,
   * what it does not is removed.
   */
  private async checkPending(sync: Extract<TransactionSync, { mode: 'changes' }>): Promise<boolean> {
    const store = this.deps.sync as WorkflowSyncStore;
    const open = new Set(this.cursor.accountGuids);
    const untouched = (await store.pending(this.job.memberGuid)).filter(
      (p) => p.job_guid !== this.job.jobGuid && open.has(p.account_guid),
    );
    const byAccount = new Map<string, PendingTransaction[]>();
    for (const p of untouched) byAccount.set(p.account_guid, [...(byAccount.get(p.account_guid) ?? []), p]);
    let removed = 0;
    for (const [accountGuid, pending] of byAccount) {
      const fromDate = pending.map((p) => p.date).sort()[0];
      const listed = new Map<string, TransactionResponse>();
      const pages = this.deps.mx.listTransactionsByAccount(this.job.userGuid, accountGuid, { fromDate });
      for await (const page of pages) for (const item of page.items) listed.set(String(item.guid), item);
      const still = pending.flatMap((p) => listed.get(p.guid) ?? []);
      const gone = pending.filter((p) => !listed.has(p.guid));
      const now = this.deps.now();
      const noted = new Set(pending.map((p) => p.guid));
      await store.applyChanges(this.job.memberGuid, sync.generation, this.job.jobGuid, still, now, noted);
      removed += await store.remove(this.job.memberGuid, sync.generation, this.job.jobGuid, gone, now);
    }
    if (removed > 0) this.counts.transactions_removed = (this.counts.transactions_removed ?? 0) + removed;
    this.sync = { ...sync, pendingChecked: true };
    return true;
  }

  /** Whether another page may be asked for: always one per invocation, so every step moves on. */
  private mayAskPage(): boolean {
    if (this.pagesAsked > 0 && (this.pagesAsked >= this.bound.pages || this.clock() >= this.deadline)) return false;
    this.pagesAsked += 1;
    return true;
  }

  private async copyMemberList(kind: MemberListKind): Promise<boolean> {
    const { mx } = this.deps;
    const { userGuid, memberGuid } = this.job;
    const from = this.cursor.pages[kind] ?? 1;
    if (from === 0) return true;
    const pages =
      kind === 'accounts'
        ? mx.listMemberAccounts(userGuid, memberGuid, from)
        : kind === 'account_numbers'
          ? mx.listAccountNumbersByMember(userGuid, memberGuid, from)
          : mx.listAccountOwnersByMember(userGuid, memberGuid, from);
    const done = await this.copyPages(kind, pages, (page) => {
      this.cursor = { ...this.cursor, pages: { ...this.cursor.pages, [kind]: page } };
    });
    if (done) this.counts[kind] ??= 0;
    return done;
  }

  /** One stream per account, a few at a time: bounded MX load, bounded memory. */
  private async copyTransactions(): Promise<boolean> {
    const { accountGuids, transactionPages } = this.cursor;
    while (transactionPages.length < accountGuids.length) transactionPages.push(1);
    const pending = accountGuids.map((_, index) => index).filter((i) => this.cursor.transactionPages[i] !== 0);
    this.counts.transactions ??= 0;
    let allDone = true;
    await forEachWithConcurrency(pending, this.deps.fetchConcurrency, async (index) => {
      const from = this.cursor.transactionPages[index] ?? 1;
      const accountGuid = accountGuids[index] as string;
      const range = this.transactionRange(accountGuid);
      const pages = this.deps.mx.listTransactionsByAccount(this.job.userGuid, accountGuid, range, from);
      const done = await this.copyPages('transactions', pages, (page) => {
        this.cursor.transactionPages[index] = page;
      });
      if (!done) allDone = false;
    });
    return allDone;
  }

  /**
   * What of an account's transactions to fetch: MX's changes in a sync; in a full copy (and for
   * an account new to a sync, and in an extended history) all MX holds, back to its extended
   * history's 24 months (MX's own default is 120 days); without syncs, MX's default window.
   */
  private transactionRange(accountGuid: string): DateRange {
    const sync = this.sync;
    // An extended history asks for the whole window MX now holds: MX need not date the older rows it added as changes.
    const whole = this.job.jobType === 'history' || sync?.mode !== 'changes' || sync.newAccounts?.includes(accountGuid);
    if (sync?.mode === 'changes' && !whole) return { fromUpdatedAt: sync.fromUpdatedAt };
    if (sync === undefined) return {};
    return { fromDate: dayOf(new Date(Date.parse(sync.startedOn) - FULL_COPY_DAYS * DAY_MS)) };
  }

  /** Stores a page: a sync writes its changes into the published generation, a copy into its own. */
  private async store(kind: ResultKind, items: readonly Record<string, unknown>[]): Promise<number> {
    const { memberGuid, jobGuid, userGuid } = this.job;
    const now = this.deps.now();
    if (kind === 'transactions' && this.sync?.mode === 'changes') {
      const store = this.deps.sync as WorkflowSyncStore;
      this.noted ??= store.pending(memberGuid).then((notes) => new Set(notes.map((note) => note.guid)));
      return store.applyChanges(memberGuid, this.sync.generation, jobGuid, items, now, await this.noted);
    }
    const written = await this.deps.results.putResults(memberGuid, kind, jobGuid, items, now, userGuid);
    if (kind === 'transactions' && this.sync) await this.deps.sync?.notePending(memberGuid, jobGuid, items);
    return written;
  }

  /**
   * Writes pages from the stream until it ends (true) or the bound stops it (false); after each
   * write, in the same turn, the counts and `moveTo(next page, 0 when done)` move on together.
   */
  private async copyPages(
    kind: ResultKind,
    pages: AsyncIterable<MxPage<{ guid?: string | null }>>,
    moveTo: (nextPage: number) => void,
  ): Promise<boolean> {
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
      if (!this.mayAskPage()) return false;
      const next = await iterator.next();
      if (next.done) {
        moveTo(0);
        return true;
      }
      const page = next.value;
      const written = await this.store(kind, page.items);
      this.counted(kind, page.items, written);
      const last = page.items.length === 0 || page.page >= page.totalPages;
      moveTo(last ? 0 : page.page + 1);
      if (last) return true;
    }
  }

  private counted(kind: ResultKind, items: readonly Record<string, unknown>[], written: number): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + written;
    if (kind === 'accounts') this.cursor.accountGuids.push(...items.map((a) => String(a.guid)));
    if (kind === 'account_numbers') {
      const notValidated = items.filter((n) => n.passed_validation === false).length;
      if (notValidated > 0)
        this.counts.account_numbers_not_validated = (this.counts.account_numbers_not_validated ?? 0) + notValidated;
    }
  }
}

/**
 * Whether the aggregation refreshed the data: MX answers a manual aggregation inside its
 * throttle window with 202 and no run, so successfully_aggregated_at stays what StartMxJob
 * read. Unknown (undefined) for a job that only followed MX's own aggregation.
 */
async function wasRefreshed(
  deps: Pick<WorkflowDeps, 'mx'>,
  job: JobRef,
  record: JobRecord,
): Promise<boolean | undefined> {
  if (record.mx_aggregated_before === undefined) return undefined;
  // The member, not its status: a status read here would come sooner than MX's 3-second floor.
  const member = await deps.mx.readMember(job.userGuid, job.memberGuid);
  const after = member.successfully_aggregated_at ?? null;
  return after !== null && after !== record.mx_aggregated_before;
}

/** What a sync needs of the sync store. */
export type WorkflowSyncStore = Pick<
  TransactionSyncStore,
  'state' | 'pending' | 'applyChanges' | 'notePending' | 'remove'
>;

/** MX lists changes by updated_at at most 6 months back; older syncs copy whole again. */
const MAX_SYNC_AGE_DAYS = 180;
/** A full copy reaches back as far as MX's extended history: 24 months. */
const FULL_COPY_DAYS = 730;
const DAY_MS = 86_400_000;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/**
 * A full copy the first time (or when the last sync is older than MX lists changes for), else a
 * sync of MX's changes since the day before the last one began: MX's updated_at filter takes
 * whole days, and a day's overlap catches what changed while that one ran.
 */
export async function planTransactionSync(
  sync: Pick<WorkflowSyncStore, 'state'>,
  results: Pick<ResultStore, 'publishedGeneration'>,
  job: JobRef,
  now: Date,
): Promise<TransactionSync> {
  const startedOn = dayOf(now);
  const state = await sync.state(job.memberGuid);
  const generation = await results.publishedGeneration(job.memberGuid, 'transactions');
  if (!state || !generation) return { mode: 'full', startedOn };
  const since = Date.parse(`${state.synced_on}T00:00:00Z`) - DAY_MS;
  if (now.getTime() - since > MAX_SYNC_AGE_DAYS * DAY_MS) return { mode: 'full', startedOn };
  const fromUpdatedAt = dayOf(new Date(since));
  return { mode: 'changes', startedOn, generation, fromUpdatedAt, accountsChecked: false, pendingChecked: false };
}

/** Every account the member's published results hold (one member's accounts: a few pages at most). */
async function publishedAccounts(
  results: Pick<ResultStore, 'listResults'>,
  memberGuid: string,
): Promise<Record<string, unknown>[]> {
  const accounts: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await results.listResults<Record<string, unknown>>(memberGuid, 'accounts', {
      limit: 1000,
      ...(startKey ? { startKey } : {}),
    });
    accounts.push(...page.items);
    startKey = page.lastKey;
  } while (startKey);
  return accounts;
}
