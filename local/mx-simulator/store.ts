// All mutable simulator state (users, members, guid counters) and the lookups every route
// needs. Reading a member first advances its job to the current MX time (see jobs.ts).

import { type GeneratedAccount, generateAccounts } from './account-data.js';
import { isoDate, type MxClock } from './clock.js';
import type { SimulatorConfig } from './config.js';
import { ApiError, notFound } from './errors.js';
import { institutionGuid } from './institutions.js';
import {
  advance,
  backgroundAggregationDueAt,
  connectionStatus,
  isRunning,
  type JobContext,
  nextJobTransitionAt,
  runDueBackgroundAggregations,
} from './jobs.js';
import type { Job, MemberRecord, UserRecord } from './model.js';
import { mxGuid } from './random.js';
import { scenarioFor } from './routes/member-common.js';
import type { StatsRecorder } from './stats.js';
import type { AccountSet } from './test-logins.js';
import type { TransactionWindow } from './transaction-data.js';
import { pendingCount, type TransactionTimeline, transactionCount } from './transaction-timeline.js';

export type MemberAction = 'CREATED' | 'UPDATED' | 'DELETED';

/** What MX sends webhooks about; webhook-events.ts listens. Nobody listens by default. */
export interface MemberEvents {
  challengeIssued(member: MemberRecord, job: Job): void;
  jobEnded(member: MemberRecord, job: Job): void;
  /** The member's status was set outside a job (the OAuth window denied). */
  statusEntered(member: MemberRecord): void;
  memberChanged(action: MemberAction, member: MemberRecord): void;
  /** A request was handled: what happens next may have moved. */
  settle(): void;
}

const NO_EVENTS: MemberEvents = {
  challengeIssued: () => {},
  jobEnded: () => {},
  statusEntered: () => {},
  memberChanged: () => {},
  settle: () => {},
};

export class Store {
  users = new Map<string, UserRecord>();
  members = new Map<string, MemberRecord>();
  private counters = new Map<string, number>();
  private accountCache = new Map<string, GeneratedAccount[]>();
  /** "Today" of the generated data: transaction dates end here (fixed at start/reset). */
  dataEndDate = '';
  events: MemberEvents = NO_EVENTS;

  constructor(
    readonly config: SimulatorConfig,
    readonly clock: MxClock,
    readonly stats: StatsRecorder,
  ) {
    this.reset();
  }

  reset(): void {
    this.users.clear();
    this.members.clear();
    this.counters.clear();
    this.accountCache.clear();
    this.dataEndDate = isoDate(this.clock.now());
  }

  now(): number {
    return this.clock.now();
  }

  /** Guids are deterministic: seed + prefix + per-prefix counter. */
  nextGuid(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return mxGuid(prefix, this.config.seed, 'entity', prefix, n);
  }

  institutionGuid(code: string): string {
    return institutionGuid(this.config.seed, code);
  }

  jobContext(): JobContext {
    return {
      now: this.now(),
      config: this.config,
      nextGuid: (p) => this.nextGuid(p),
      accountsOf: (m, set) => this.accountsOf(m, set),
      transactionsPerAccountOf: (m) => {
        const timeline = this.timelineOf(m);
        return { count: transactionCount(timeline), pending: pendingCount(timeline) };
      },
      onJobStarted: (m, job) =>
        this.stats.jobStarted({
          jobGuid: job.guid,
          memberGuid: m.guid,
          userGuid: m.userGuid,
          type: job.type,
          startedAt: job.startedAt,
        }),
      onChallengeIssued: (m, job) => this.events.challengeIssued(m, job),
      onJobEnded: (m, job) => {
        this.stats.jobEnded(job.guid, job.endedAt!, job.endStatus!);
        this.events.jobEnded(m, job);
      },
    };
  }

  user(guid: string): UserRecord {
    const user = this.users.get(guid);
    if (!user) throw notFound(`user ${guid} not found`);
    return user;
  }

  /**
   * A user that may connect members and run jobs. MX restricts a disabled user's data until the
   * user is enabled again: a member create or a job start for one answers 403.
   */
  enabledUser(guid: string): UserRecord {
    const user = this.user(guid);
    if (user.isDisabled)
      throw new ApiError(403, `user ${guid} is disabled (is_disabled: true); enable it to connect members or run jobs`);
    return user;
  }

  /** A member of this user, advanced to now; 404 also when it belongs to another user. */
  member(userGuid: string, memberGuid: string): MemberRecord {
    this.user(userGuid);
    const member = this.members.get(memberGuid);
    if (!member || member.userGuid !== userGuid) throw notFound(`member ${memberGuid} not found for user ${userGuid}`);
    this.bringUpToNow(member, this.jobContext());
    return member;
  }

  membersOf(userGuid: string): MemberRecord[] {
    this.user(userGuid);
    const ctx = this.jobContext();
    const list = [...this.members.values()].filter((m) => m.userGuid === userGuid);
    for (const m of list) this.bringUpToNow(m, ctx);
    return list;
  }

  /** Brings one member up to now, as a read would; undefined once it is gone. */
  advanceMember(guid: string): MemberRecord | undefined {
    const member = this.members.get(guid);
    if (member) this.bringUpToNow(member, this.jobContext());
    return member;
  }

  /** MX time at which the member changes by itself: its job's next step, or its next background aggregation. */
  nextChangeAt(member: MemberRecord): number | null {
    if (member.job && isRunning(member)) return nextJobTransitionAt(member.job, this.config);
    return backgroundAggregationDueAt(member, this.users.get(member.userGuid), this.config);
  }

  /** The member's job advanced to now, and any background aggregation MX would have run since. */
  private bringUpToNow(member: MemberRecord, ctx: JobContext): void {
    advance(member, ctx);
    runDueBackgroundAggregations(member, this.users.get(member.userGuid), scenarioFor(member), ctx);
  }

  connectionStatus(member: MemberRecord): string {
    return connectionStatus(member, { now: this.now(), config: this.config });
  }

  accountsOf(member: MemberRecord, set: AccountSet = member.accountSet): GeneratedAccount[] {
    const key = `${member.guid}|${set}|${this.config.seed}`;
    let accounts = this.accountCache.get(key);
    if (!accounts) {
      accounts = generateAccounts({
        seed: this.config.seed,
        memberGuid: member.guid,
        userGuid: member.userGuid,
        institutionCode: member.institution.code,
        institutionName: member.institution.name,
        accountSet: set,
      });
      this.accountCache.set(key, accounts);
    }
    return accounts;
  }

  /**
   * Accounts exist for clients once a job of the member has ended CONNECTED; one closed at the
   * bank is gone once a job after its closing has (MX learns of it when it connects).
   */
  visibleAccounts(member: MemberRecord): GeneratedAccount[] {
    if (member.accountsVisibleAt === null) return [];
    const connectedAt = member.successfullyAggregatedAt ?? 0;
    return this.accountsOf(member).filter((a) => {
      const closedAt = member.closedAccounts.get(a.guid);
      return closedAt === undefined || closedAt > connectedAt;
    });
  }

  /** The member's transactions as MX holds them: the seeded history and what its aggregations gathered since. */
  timelineOf(member: MemberRecord): TransactionTimeline {
    return {
      seed: this.config.seed,
      window: this.transactionWindow(),
      dailyPerAccount: this.config.dailyTransactionsPerAccount,
      replacedShare: this.config.replacedPendingShare,
      gatherings: member.transactionGatherings,
      extendedAt: member.historyExtendedAt,
    };
  }

  findAccount(
    userGuid: string,
    accountGuid: string,
    memberGuid?: string,
  ): { member: MemberRecord; account: GeneratedAccount } {
    const members = memberGuid ? [this.member(userGuid, memberGuid)] : this.membersOf(userGuid);
    for (const member of members) {
      const account = this.visibleAccounts(member).find((a) => a.guid === accountGuid);
      if (account) return { member, account };
    }
    throw notFound(`account ${accountGuid} not found`);
  }

  transactionWindow(): TransactionWindow {
    return {
      perAccount: this.config.transactionsPerAccount,
      historyDays: this.config.historyDays,
      endDate: this.dataEndDate,
    };
  }

  deleteUser(guid: string): void {
    this.user(guid);
    for (const m of [...this.members.values()]) {
      if (m.userGuid !== guid) continue;
      this.events.memberChanged('DELETED', m);
      this.members.delete(m.guid);
    }
    this.users.delete(guid);
  }
}
