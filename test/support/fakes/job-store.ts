import type { ChallengeResponse } from 'mx-platform-node';
import { isTerminal, type JobType } from '#shared/contract/workflow.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import type { WorkflowJobStore } from '#shared/jobs/workflow-deps.js';
import {
  isLiveLock,
  type JobHistoryEntry,
  type JobRecord,
  lockSecond,
  type MemberLock,
  newJobRecord,
} from '#shared/store/job-record.js';
import { type JobStore, MemberBusyError, type NewJob } from '#shared/store/job-store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A job as the fake keeps it: the task token beside it (the DynamoDB store keeps it in an item of its own). */
export type StoredJob = JobRecord & { task_token?: string };
type Args<K extends keyof WorkflowJobStore> = Parameters<WorkflowJobStore[K]>;

/**
 * The job store in memory, with the store's rules: a start takes the member's lock (refused while
 * another job holds it), every change applies only while the job is active (a finished job is
 * never reopened), the history grows only when the status or the connection status changes, only
 * one claim wins a token, and a finish frees the lock its job holds. The workflow steps and the
 * API operations share it.
 */
export class InMemoryJobStore implements WorkflowJobStore, Pick<JobStore, keyof JobStore> {
  private readonly records = new Map<string, Mutable<StoredJob>>();

  /** Every record as stored now (copies). */
  private allRecords(): JobRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r) as JobRecord);
  }
  readonly locks = new Map<string, MemberLock>();
  /** Members whose lock a finish released, in order. */
  readonly releasedLocks: string[] = [];

  /** A member held by a running job, as a start takes its lock. */
  lock(memberGuid: string, lock: MemberLock): void {
    this.locks.set(memberGuid, lock);
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    const held = this.locks.get(job.memberGuid);
    if (isLiveLock(held, job.now)) throw new MemberBusyError(held);
    this.lock(job.memberGuid, {
      job_guid: job.jobGuid,
      job_type: job.type,
      expires_at: lockSecond(job.now) + job.lockSeconds,
    });
    const at = job.now.toISOString();
    return this.add(job, {
      created_at: at,
      updated_at: at,
      history: [{ at, status: 'RUNNING', connection_status: null }],
    });
  }

  async getLock(memberGuid: string): Promise<MemberLock | undefined> {
    return this.locks.get(memberGuid);
  }

  async liveLock(memberGuid: string, now: Date): Promise<MemberLock | undefined> {
    const lock = this.locks.get(memberGuid);
    return isLiveLock(lock, now) ? lock : undefined;
  }

  async listJobs(memberGuid: string, options: { limit?: number; startKey?: Record<string, unknown> } = {}) {
    // Job guids sort by time: newest first, as the table's query answers.
    const items = [...this.records.values()]
      .filter((r) => r.member_guid === memberGuid)
      .sort((a, b) => (a.job_guid < b.job_guid ? 1 : -1))
      .map((r) => structuredClone(r) as JobRecord);
    return { items: items.slice(0, options.limit ?? 50) };
  }

  /** The sparse index of active jobs: the jobs not yet ended that started before `startedBefore`, oldest first. */
  async listActiveJobs(query: { startedBefore: Date; limit: number }): Promise<JobRecord[]> {
    const before = query.startedBefore.toISOString();
    return this.allRecords()
      .filter((r) => !isTerminal(r.status) && r.created_at < before)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : 1))
      .slice(0, query.limit);
  }

  async findActiveJob(jobGuid: string): Promise<JobRecord | undefined> {
    const found = this.allRecords().find((r) => r.job_guid === jobGuid && !isTerminal(r.status));
    return found && structuredClone(found);
  }

  /** A RUNNING job as the API's job start leaves it, with anything else the test needs set. */
  add(
    job: { jobGuid: string; userGuid: string; memberGuid: string; type: JobType },
    extra: Partial<StoredJob> = {},
  ): StoredJob {
    const record: Mutable<StoredJob> = { ...newJobRecord(job, '2026-12-01T00:00:00.000Z'), ...extra };
    this.records.set(key(job.memberGuid, job.jobGuid), record);
    return structuredClone(record);
  }

  /** The record as stored now (a copy), its task token beside it, or undefined. */
  job(memberGuid: string, jobGuid: string): StoredJob | undefined {
    const record = this.records.get(key(memberGuid, jobGuid));
    return record ? structuredClone(record) : undefined;
  }

  /** As the store reads a job: without its task token. */
  async getJob(memberGuid: string, jobGuid: string): Promise<JobRecord | undefined> {
    const { task_token: _token, ...record } = this.job(memberGuid, jobGuid) ?? {};
    return 'job_guid' in record ? (record as JobRecord) : undefined;
  }

  async recordMxJob(
    ...[memberGuid, jobGuid, mxJobGuid, attached, now, aggregatedBefore]: Args<'recordMxJob'>
  ): Promise<void> {
    this.updateActive(memberGuid, jobGuid, now, (r) => {
      r.mx_job_guid = mxJobGuid ?? null;
      r.attached = attached;
      if (aggregatedBefore !== undefined) r.mx_aggregated_before = aggregatedBefore;
    });
  }

  async recordProgress(...[memberGuid, jobGuid, progress]: Args<'recordProgress'>): Promise<void> {
    const record = this.active(memberGuid, jobGuid);
    if (!record || (record.status === progress.status && record.connection_status === progress.connectionStatus))
      return;
    this.updateActive(memberGuid, jobGuid, progress.now, (r) => {
      r.status = progress.status;
      r.connection_status = progress.connectionStatus;
      if (progress.oauthWindowUri !== undefined) r.oauth_window_uri = progress.oauthWindowUri ?? null;
      r.history.push(entry(progress.now, progress.status, progress.connectionStatus));
    });
  }

  async renewOAuthWindow(
    memberGuid: string,
    jobGuid: string,
    renewal: { oauthWindowUri: string; now: Date },
  ): Promise<boolean> {
    if (this.active(memberGuid, jobGuid)?.status !== 'ACTION_REQUIRED') return false;
    return this.updateActive(memberGuid, jobGuid, renewal.now, (r) => {
      r.oauth_window_uri = renewal.oauthWindowUri;
      r.oauth_windows_renewed = (r.oauth_windows_renewed ?? 0) + 1;
    });
  }

  async stageChallenges(...[memberGuid, jobGuid, stage]: Args<'stageChallenges'>): Promise<boolean> {
    return this.updateActive(memberGuid, jobGuid, stage.now, (r) => {
      r.challenges = structuredClone(stage.challenges);
    });
  }

  async parkForChallenge(...[memberGuid, jobGuid, park]: Args<'parkForChallenge'>): Promise<boolean> {
    const record = this.active(memberGuid, jobGuid);
    if (!record || (park.challenges === undefined && record.challenges === undefined)) return false;
    return this.updateActive(memberGuid, jobGuid, park.now, (r) => {
      r.status = 'CHALLENGED';
      if (park.challenges !== undefined) r.challenges = structuredClone(park.challenges);
      r.task_token = park.taskToken;
      if (park.expiresAt) r.challenge_expires_at = park.expiresAt.toISOString();
      r.connection_status = 'CHALLENGED';
      r.history.push(entry(park.now, 'CHALLENGED', 'CHALLENGED'));
    });
  }

  async claimChallenge(
    ...[{ memberGuid, jobGuid, userGuid, now }]: Args<'claimChallenge'>
  ): Promise<{ taskToken: string; parkedAt: string; challenges: ChallengeResponse[] } | undefined> {
    const record = this.records.get(key(memberGuid, jobGuid));
    if (record?.status !== 'CHALLENGED' || record.task_token === undefined || record.user_guid !== userGuid)
      return undefined;
    if (record.challenge_expires_at !== undefined && record.challenge_expires_at <= now.toISOString()) return undefined;
    const claimed = {
      taskToken: record.task_token,
      parkedAt: record.updated_at,
      challenges: structuredClone(record.challenges ?? []),
    };
    record.status = 'RUNNING';
    record.connection_status = 'RESUMED';
    record.updated_at = now.toISOString();
    record.history.push(entry(now, 'RUNNING', 'RESUMED'));
    delete record.task_token;
    delete record.challenges;
    return claimed;
  }

  async releaseChallenge(...[memberGuid, jobGuid, challenge]: Args<'releaseChallenge'>): Promise<void> {
    if (this.active(memberGuid, jobGuid)?.task_token !== undefined) return;
    this.updateActive(memberGuid, jobGuid, challenge.now, (r) => {
      r.status = 'CHALLENGED';
      r.connection_status = 'CHALLENGED';
      r.challenges = structuredClone(challenge.challenges);
      r.task_token = challenge.taskToken;
    });
  }

  async finishJob(...[memberGuid, jobGuid, finish]: Args<'finishJob'>): Promise<boolean> {
    this.releasedLocks.push(memberGuid);
    if (this.locks.get(memberGuid)?.job_guid === jobGuid) this.locks.delete(memberGuid);
    const connectionStatus = finish.connectionStatus ?? null;
    return this.updateActive(memberGuid, jobGuid, finish.now, (r) => {
      r.status = finish.status;
      r.error = finish.reason ? { code: finish.reason, message: FAILURE_REASONS[finish.reason].message } : null;
      r.counts = finish.counts ?? {};
      r.finished_at = finish.now.toISOString();
      if (finish.connectionStatus !== undefined) r.connection_status = connectionStatus;
      if (finish.warnings?.length) r.warnings = [...finish.warnings];
      r.history.push(entry(finish.now, finish.status, connectionStatus));
      delete r.task_token;
      delete r.challenges;
    });
  }

  private active(memberGuid: string, jobGuid: string): Mutable<StoredJob> | undefined {
    const record = this.records.get(key(memberGuid, jobGuid));
    return record && !isTerminal(record.status) ? record : undefined;
  }

  private updateActive(
    memberGuid: string,
    jobGuid: string,
    now: Date,
    change: (record: Mutable<StoredJob>) => void,
  ): boolean {
    const record = this.active(memberGuid, jobGuid);
    if (!record) return false;
    change(record);
    record.updated_at = now.toISOString();
    return true;
  }
}

const key = (memberGuid: string, jobGuid: string) => `${memberGuid}/${jobGuid}`;
const entry = (now: Date, status: JobHistoryEntry['status'], connectionStatus: string | null): JobHistoryEntry => ({
  at: now.toISOString(),
  status,
  connection_status: connectionStatus,
});
