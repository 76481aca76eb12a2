// The life of an aggregation-type job (aggregate, verify, identify), evaluated lazily: a job
// stores timestamps and advance() works out, from the current MX time, which challenge has
// appeared, expired or which end state has been reached. No timers run here; when webhooks
// are on, webhook-events.ts calls advance() at nextJobTransitionAt() so they go out on time.
//
// Timeline: a segment starts at the job start (and again at each answer). If a challenge
// round is pending, it appears challengeAfterMs into the segment; an unanswered challenge
// ends the job EXPIRED after challengeExpiryMs. The last segment lasts jobDurationMs (no
// challenge before) or jobDurationMs - challengeAfterMs (after a challenge), ×3 if delayed.

import { type GeneratedAccount, VERIFIABLE_TYPES } from './account-data.js';
import { accountSelectionChallenge, mfaChallenge } from './challenges.js';
import { isoDate } from './clock.js';
import type { SimulatorConfig } from './config.js';
import { badRequest } from './errors.js';
import type { Job, JobStep, JobType, MemberRecord, UserRecord } from './model.js';
import type { ChallengeType, EndStatus, LoginScenario } from './test-logins.js';

export interface JobContext {
  now: number;
  config: SimulatorConfig;
  nextGuid(prefix: string): string;
  accountsOf(member: MemberRecord, set: LoginScenario['accounts']): GeneratedAccount[];
  /** How many transactions (and of them PENDING) each of the member's accounts has at MX, as its gatherings stand. */
  transactionsPerAccountOf(member: MemberRecord): { count: number; pending: number };
  onJobStarted(member: MemberRecord, job: Job): void;
  /** A challenge round appeared (the member became CHALLENGED). */
  onChallengeIssued(member: MemberRecord, job: Job): void;
  onJobEnded(member: MemberRecord, job: Job): void;
}

export function isRunning(member: MemberRecord): boolean {
  return member.job !== null && member.job.endedAt === null;
}

/**
 * The statuses MX starts a job from (MX's aggregation and verification guides). The simulator
 * keeps its own copy, as MX does: a test then catches mxflow reading the rule wrong.
 */
export const STARTABLE_STATUSES: readonly string[] = [
  'CREATED',
  'CONNECTED',
  'DEGRADED',
  'DISCONNECTED',
  'EXPIRED',
  'FAILED',
  'IMPEDED',
  'RECONNECTED',
  'UPDATED',
];

/** Whether a manual aggregation now falls in MX's throttle window after the last one that connected. */
export function isAggregationThrottled(member: MemberRecord, ctx: Pick<JobContext, 'now' | 'config'>): boolean {
  const last = member.aggregationSucceededAt ?? null;
  return ctx.config.aggregationThrottleMs > 0 && last !== null && ctx.now - last < ctx.config.aggregationThrottleMs;
}

export function startJob(
  member: MemberRecord,
  type: JobType,
  scenario: LoginScenario,
  inProgressStatus: string,
  includeTransactions: boolean,
  ctx: JobContext,
  options: { background?: boolean } = {},
): Job {
  // A background aggregation runs without the end user: MX raises no MFA in it.
  const steps: JobStep[] = options.background ? [] : scenario.challenges.map((t) => ({ kind: 'mfa', type: t }));
  let outcome = scenario.outcome;
  if (type === 'verify' && outcome === 'CONNECTED') {
    const eligible = ctx.accountsOf(member, scenario.accounts).filter((a) => VERIFIABLE_TYPES.includes(a.type));
    // MX: no eligible account -> IMPEDED, without the account-selection challenge.
    if (eligible.length === 0) outcome = 'IMPEDED';
    else steps.push({ kind: 'account_selection' });
  }
  const job: Job = {
    guid: ctx.nextGuid('JOB'),
    type,
    startedAt: ctx.now,
    scenario,
    steps,
    nextStep: 0,
    outcome,
    segmentStartedAt: ctx.now,
    segmentStatus: inProgressStatus,
    challengesIssued: 0,
    challenge: null,
    includeTransactions,
    selectedAccountGuid: null,
    endedAt: null,
    endStatus: null,
    ...(options.background ? { background: true } : {}),
  };
  member.job = job;
  member.aggregatedAt = ctx.now;
  member.isAuthenticated = false;
  member.processed = { accounts: false, accountNumbers: false, transactions: false };
  ctx.onJobStarted(member, job);
  return job;
}

function finalSegmentMs(job: Job, config: SimulatorConfig): number {
  const base =
    job.challengesIssued > 0 ? Math.max(0, config.jobDurationMs - config.challengeAfterMs) : config.jobDurationMs;
  return job.scenario.delayed ? base * 3 : base;
}

/** MX time at which advance() next changes the job (a challenge appears or expires, it ends); null once ended. */
export function nextJobTransitionAt(job: Job, config: SimulatorConfig): number | null {
  if (job.endedAt !== null) return null;
  if (job.challenge) return job.challenge.issuedAt + config.challengeExpiryMs;
  if (job.steps[job.nextStep]) return job.segmentStartedAt + config.challengeAfterMs;
  return job.segmentStartedAt + finalSegmentMs(job, config);
}

/** Brings the member's job up to MX time ctx.now. */
export function advance(member: MemberRecord, ctx: JobContext): void {
  const job = member.job;
  if (!job || job.endedAt !== null) return;
  const { config } = ctx;
  for (;;) {
    if (job.challenge) {
      const expiresAt = job.challenge.issuedAt + config.challengeExpiryMs;
      if (ctx.now < expiresAt) return;
      job.challenge = null;
      endJob(member, job, 'EXPIRED', expiresAt, ctx);
      return;
    }
    const checkpoint = job.segmentStartedAt + config.challengeAfterMs;
    const mfaPending = job.steps.slice(job.nextStep).some((s) => s.kind === 'mfa');
    if (ctx.now >= checkpoint && !mfaPending && job.scenario.authenticates && job.outcome !== 'REJECTED') {
      member.isAuthenticated = true;
    }
    const step = job.steps[job.nextStep];
    if (step) {
      if (ctx.now < checkpoint) return;
      job.nextStep++;
      job.challengesIssued++;
      if (step.kind === 'mfa') {
        const reask = job.reasking === true;
        job.reasking = false;
        const types: readonly ChallengeType[] = typeof step.type === 'string' ? [step.type] : step.type;
        job.challenge = {
          issuedAt: checkpoint,
          challenges: types.map((type) => mfaChallenge(ctx.nextGuid('CRD'), type, reask)),
        };
      } else {
        const eligible = ctx.accountsOf(member, job.scenario.accounts).filter((a) => VERIFIABLE_TYPES.includes(a.type));
        job.challenge = {
          issuedAt: checkpoint,
          challenges: [accountSelectionChallenge(ctx.nextGuid('CRD'), eligible)],
        };
      }
      ctx.onChallengeIssued(member, job);
      continue;
    }
    const endsAt = job.segmentStartedAt + finalSegmentMs(job, config);
    if (ctx.now < endsAt) return;
    endJob(member, job, job.outcome, endsAt, ctx);
    return;
  }
}

function endJob(member: MemberRecord, job: Job, status: EndStatus, at: number, ctx: JobContext): void {
  job.endedAt = at;
  job.endStatus = status;
  member.status = status;
  if (status === 'CONNECTED') {
    member.isAuthenticated = true;
    member.successfullyAggregatedAt = at;
    member.accountSet = job.scenario.accounts;
    member.accountsVisibleAt ??= at;
    member.processed = {
      accounts: true,
      accountNumbers: job.type === 'verify',
      transactions: job.includeTransactions,
    };
    if (job.type === 'aggregate') member.aggregationSucceededAt = at;
    const extending = job.type === 'history' && member.historyExtendedAt === null;
    // The first aggregation of an account set creates its history; later ones the days since.
    if (job.includeTransactions) {
      const before = ctx.transactionsPerAccountOf(member);
      const previous = member.transactionGatherings.at(-1);
      member.transactionGatherings.push(at);
      if (extending) member.historyExtendedAt = at;
      const after = ctx.transactionsPerAccountOf(member);
      const again = member.transactionsAggregatedFor === job.scenario.accounts;
      const accounts = ctx.accountsOf(member, job.scenario.accounts).length;
      member.transactionsAggregatedFor = job.scenario.accounts;
      const created = again ? after.count - before.count : after.count;
      // On a later day than the last gathering, every pending transaction posts (under its guid or a new one).
      const laterDay = previous !== undefined && isoDate(at) > isoDate(previous);
      const posted = again && laterDay ? before.pending : 0;
      if (created > 0) job.transactionsCreated = accounts * created;
      if (posted > 0) job.transactionsUpdated = accounts * posted;
    }
    const selected = ctx.accountsOf(member, job.scenario.accounts).find((a) => a.guid === job.selectedAccountGuid);
    // A login whose verification yields no numbers still ends CONNECTED (the no_account_numbers test login).
    if (job.type === 'verify' && selected && selected.numbers !== 'none')
      member.verifiedAccountGuids.add(selected.guid);
    if (job.type === 'identify') member.ownersVisible = true;
  }
  ctx.onJobEnded(member, job);
}

/** connection_status right now (after advance()). */
export function connectionStatus(member: MemberRecord, ctx: Pick<JobContext, 'now' | 'config'>): string {
  const job = member.job;
  if (!job || job.endedAt !== null) return member.status;
  if (job.challenge) return 'CHALLENGED';
  if (job.scenario.delayed && ctx.now >= job.segmentStartedAt + ctx.config.challengeAfterMs) return 'DELAYED';
  return job.segmentStatus;
}

/**
 * Applies a resume request to a CHALLENGED member (caller checks the state). Like MX, it
 * refuses (400) answers that do not match the open round: a guid not open or given twice, an
 * open challenge left out, a value that is not a string. A wrong answer is accepted like a
 * right one (RESUMED); the job then ends REJECTED, or, while the login re-asks, asks a fresh
 * challenge. Every challenge of the round must be answered right to pass it.
 */
export function answerChallenge(
  member: MemberRecord,
  answers: Array<{ guid?: unknown; value?: unknown }>,
  ctx: JobContext,
): void {
  const job = member.job!;
  const round = job.challenge!;
  const values = new Map<string, string>();
  for (const [i, answer] of answers.entries()) {
    const guid = answer?.guid;
    if (typeof guid !== 'string' || !round.challenges.some((c) => c.guid === guid)) {
      throw badRequest(
        `member.challenges[${i}].guid is not a challenge the member waits on; open: ${round.challenges.map((c) => c.guid).join(', ')}`,
      );
    }
    if (values.has(guid)) throw badRequest(`member.challenges[${i}] answers challenge ${guid} a second time`);
    if (typeof answer.value !== 'string') throw badRequest(`member.challenges[${i}].value must be a string`);
    values.set(guid, answer.value);
  }
  const missing = round.challenges.filter((c) => !values.has(c.guid));
  if (missing.length > 0)
    throw badRequest(
      `member.challenges must answer every open challenge; missing ${missing.map((c) => c.guid).join(', ')}`,
    );

  const correct = round.challenges.every((c) => c.accepted.includes(values.get(c.guid)!));
  const selection = round.challenges.find((c) => c.accountByValue);
  job.challenge = null;
  job.segmentStartedAt = ctx.now;
  job.segmentStatus = 'RESUMED';
  if (!correct) {
    // A bank may ask again after a wrong MFA answer (never after a wrong account selection).
    if (!selection && (job.reasked ?? 0) < job.scenario.reasks) {
      job.reasked = (job.reasked ?? 0) + 1;
      job.reasking = true;
      job.nextStep--;
      return;
    }
    job.outcome = 'REJECTED';
    job.nextStep = job.steps.length;
    return;
  }
  if (selection) job.selectedAccountGuid = selection.accountByValue![values.get(selection.guid)!]!;
  else if (!job.steps.slice(job.nextStep).some((s) => s.kind === 'mfa') && job.scenario.authenticates)
    member.isAuthenticated = true;
}

/**
 * MX aggregates members in the background, `backgroundAggregationMs` after their last job
 * started, unless background aggregation is off for the member (or its user is disabled).
 * Evaluated lazily like everything else: each run that fell due before now starts at its due
 * time, makes the member busy and ends by itself. Only from statuses MX starts jobs from.
 */
export function runDueBackgroundAggregations(
  member: MemberRecord,
  user: UserRecord | undefined,
  scenario: LoginScenario,
  ctx: JobContext,
): void {
  for (let runs = 0; runs < 1000; runs++) {
    advance(member, ctx);
    const due = backgroundAggregationDueAt(member, user, ctx.config);
    if (due === null || due > ctx.now) return;
    const status = member.status === 'CONNECTED' || member.status === 'CREATED' ? member.status : 'RECONNECTED';
    startJob(member, 'aggregate', scenario, status, true, { ...ctx, now: due }, { background: true });
  }
}

/** MX time of the member's next background aggregation; null when it gets none (as things stand). */
export function backgroundAggregationDueAt(
  member: MemberRecord,
  user: UserRecord | undefined,
  config: SimulatorConfig,
): number | null {
  const every = config.backgroundAggregationMs;
  if (every <= 0 || member.backgroundAggregationIsDisabled || user?.isDisabled) return null;
  if (member.oauth && member.oauth.state !== 'completed') return null;
  if (isRunning(member) || !STARTABLE_STATUSES.includes(member.status)) return null;
  return (member.aggregatedAt ?? member.createdAt) + every;
}
