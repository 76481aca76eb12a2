// The life of an aggregation-type job (aggregate, verify, identify), evaluated lazily: a job
// stores timestamps and advance() works out, from the current MX time, which challenge has
// appeared, expired or which end state has been reached. No timers run.
//
// Timeline: a segment starts at the job start (and again at each answer). If a challenge
// round is pending, it appears challengeAfterMs into the segment; an unanswered challenge
// ends the job EXPIRED after challengeExpiryMs. The last segment lasts jobDurationMs (no
// challenge before) or jobDurationMs - challengeAfterMs (after a challenge), ×3 if delayed.
import { accountSelectionChallenge, mfaChallenge } from './challenges.js';
import type { SimulatorConfig } from './config.js';
import { VERIFIABLE_TYPES, type GeneratedAccount } from './account-data.js';
import { badRequest } from './errors.js';
import type { Job, JobStep, JobType, MemberRecord } from './model.js';
import { CORRECT_ANSWER, type EndStatus, type LoginScenario } from './test-logins.js';

export interface JobContext {
  now: number;
  config: SimulatorConfig;
  nextGuid(prefix: string): string;
  accountsOf(member: MemberRecord, set: LoginScenario['accounts']): GeneratedAccount[];
  onJobStarted(member: MemberRecord, job: Job): void;
  onJobEnded(member: MemberRecord, job: Job): void;
}

export function isRunning(member: MemberRecord): boolean {
  return member.job !== null && member.job.endedAt === null;
}

export function startJob(
  member: MemberRecord,
  type: JobType,
  scenario: LoginScenario,
  inProgressStatus: string,
  includeTransactions: boolean,
  ctx: JobContext,
): Job {
  const steps: JobStep[] = scenario.challenges.map((t) => ({ kind: 'mfa', type: t }));
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
  };
  member.job = job;
  member.aggregatedAt = ctx.now;
  member.isAuthenticated = false;
  member.processed = { accounts: false, accountNumbers: false, transactions: false };
  ctx.onJobStarted(member, job);
  return job;
}

function finalSegmentMs(job: Job, config: SimulatorConfig): number {
  const base = job.challengesIssued > 0 ? Math.max(0, config.jobDurationMs - config.challengeAfterMs) : config.jobDurationMs;
  return job.scenario.delayed ? base * 3 : base;
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
      return endJob(member, job, 'EXPIRED', expiresAt, ctx);
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
      const guid = ctx.nextGuid('CRD');
      if (step.kind === 'mfa') {
        job.challenge = { guid, issuedAt: checkpoint, view: mfaChallenge(guid, step.type), accepted: [CORRECT_ANSWER], accountSelection: false };
      } else {
        const eligible = ctx.accountsOf(member, job.scenario.accounts).filter((a) => VERIFIABLE_TYPES.includes(a.type));
        job.challenge = {
          guid,
          issuedAt: checkpoint,
          view: accountSelectionChallenge(guid, eligible),
          accepted: eligible.map((a) => a.guid),
          accountSelection: true,
        };
      }
      continue;
    }
    const endsAt = job.segmentStartedAt + finalSegmentMs(job, config);
    if (ctx.now < endsAt) return;
    return endJob(member, job, job.outcome, endsAt, ctx);
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
      transactions: job.type === 'aggregate' || job.includeTransactions,
    };
    if (job.type === 'verify' && job.selectedAccountGuid) member.verifiedAccountGuids.add(job.selectedAccountGuid);
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
 * Applies a resume request to a CHALLENGED member (caller checks the state). A wrong answer
 * is accepted like a right one (RESUMED) but the job then ends REJECTED.
 */
export function answerChallenge(member: MemberRecord, answers: Array<{ guid?: unknown; value?: unknown }>, ctx: JobContext): void {
  const job = member.job!;
  const challenge = job.challenge!;
  const answer = answers.find((a) => a.guid === challenge.guid);
  if (!answer) throw badRequest(`member.challenges must answer the challenge with guid ${challenge.guid}`);
  if (typeof answer.value !== 'string') throw badRequest('each member.challenges entry needs a string value');
  const correct = challenge.accepted.includes(answer.value);
  job.challenge = null;
  job.segmentStartedAt = ctx.now;
  job.segmentStatus = 'RESUMED';
  if (!correct) {
    job.outcome = 'REJECTED';
    job.nextStep = job.steps.length;
    return;
  }
  if (challenge.accountSelection) job.selectedAccountGuid = answer.value;
  else if (!job.steps.slice(job.nextStep).some((s) => s.kind === 'mfa') && job.scenario.authenticates) member.isAuthenticated = true;
}
