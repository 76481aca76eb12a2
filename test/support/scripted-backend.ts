/**
 * A scripted product backend over mxflow's HTTP API, for the reliability suite and the
 * benchmarks: it creates users and members, starts jobs, follows them and answers their
 * challenges the way a real backend would, retrying what is safe to retry. No vitest here,
 * so `bench/` can use it too.
 */

export type ScriptedJobType = 'aggregate' | 'verify' | 'identify';

import { isTerminal } from '#shared/contract/workflow.js';
/** How the scripted end user deals with a challenge. */
export type AnswerPlan = 'correct' | 'wrong' | 'never';

export interface ApiJob {
  guid: string;
  type: string;
  status: string;
  connection_status?: string | null;
  user_guid: string;
  member_guid: string;
  challenges?: {
    guid: string;
    type?: string;
    label?: string | null;
    options?: { label?: string | null; value?: string | null }[];
  }[];
  error?: { code: string; message: string } | null;
  counts?: Record<string, number>;
  created_at: string;
  updated_at: string;
  finished_at?: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
}

/** What the API answers when MX is in trouble: safe to try again for every call the backend makes here. */
const RETRYABLE_API_STATUSES = [502, 503, 504];
const ACCOUNT_SELECTION = /select an account/i;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackendCounters {
  /** API answers 502/503/504 (MX trouble passed through) the backend retried. */
  retriedApiCalls: number;
  /** Answer posts: sent, and refused as a repeat (409 ALREADY_ANSWERED). */
  answersSent: number;
  answersRepeated: number;
  apiRequests: number;
}

export class ScriptedBackend {
  readonly counters: BackendCounters = { retriedApiCalls: 0, answersSent: 0, answersRepeated: 0, apiRequests: 0 };

  constructor(
    private readonly baseUrl: string,
    private readonly options: { retryDelayMs?: number; maxRetries?: number } = {},
  ) {}

  /** One request, no retry. */
  async send(method: string, path: string, json?: unknown): Promise<ApiAnswer> {
    this.counters.apiRequests += 1;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: json === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** A request retried while the API reports MX trouble (502/503/504). */
  async call(method: string, path: string, json?: unknown): Promise<ApiAnswer> {
    const maxRetries = this.options.maxRetries ?? 30;
    for (let attempt = 0; ; attempt += 1) {
      const answer = await this.send(method, path, json);
      if (!RETRYABLE_API_STATUSES.includes(answer.status) || attempt >= maxRetries) return answer;
      this.counters.retriedApiCalls += 1;
      await sleep(this.options.retryDelayMs ?? 20);
    }
  }

  async expect(method: string, path: string, json: unknown, ...statuses: number[]): Promise<any> {
    const answer = await this.call(method, path, json);
    if (!statuses.includes(answer.status))
      throw new Error(`${method} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** A user (its `id` makes a retry answer the same user) and an MX Bank member of `mxuser` with this password. */
  async userWithMember(
    id: string,
    password: string,
    institution = 'mxbank',
  ): Promise<{ userGuid: string; memberGuid: string }> {
    const user = await this.expect('POST', '/users', { user: { id } }, 200, 201);
    const userGuid = String(user.user.guid);
    const fields = await this.expect('GET', `/institutions/${institution}/credentials`, undefined, 200);
    const credentials = (fields.credentials as { guid: string; field_type?: string; type?: string }[]).map((field) => ({
      guid: field.guid,
      value: field.field_type === 'PASSWORD' || field.type === 'PASSWORD' ? password : 'mxuser',
    }));
    const created = await this.expect(
      'POST',
      `/users/${userGuid}/members`,
      { member: { institution_code: institution, credentials, skip_aggregation: true } },
      201,
    );
    return { userGuid, memberGuid: String(created.member.guid) };
  }

  async startJob(type: ScriptedJobType, userGuid: string, memberGuid: string): Promise<ApiJob> {
    return (await this.expect('POST', `/users/${userGuid}/members/${memberGuid}/${type}`, {}, 202)).job as ApiJob;
  }

  jobPath(job: Pick<ApiJob, 'guid' | 'user_guid' | 'member_guid'>): string {
    return `/users/${job.user_guid}/members/${job.member_guid}/jobs/${job.guid}`;
  }

  async readJob(job: Pick<ApiJob, 'guid' | 'user_guid' | 'member_guid'>): Promise<ApiJob> {
    return (await this.expect('GET', this.jobPath(job), undefined, 200)).job as ApiJob;
  }

  /**
   * The answers a scripted end user gives to every challenge of the round: MX's test answer
   * `correct` (or the checking account), or a wrong one. Option answers are always offered
   * values (mxflow refuses others), so any account picked is a right one.
   */
  static answersFor(job: ApiJob, plan: 'correct' | 'wrong'): { guid: string; value: string }[] {
    return (job.challenges ?? []).map((challenge) => {
      if (ACCOUNT_SELECTION.test(String(challenge.label))) {
        const checking = challenge.options?.find((o) => /checking/i.test(String(o.label))) ?? challenge.options?.[0];
        return { guid: challenge.guid, value: String(checking?.value) };
      }
      if (challenge.options?.length) {
        const option = challenge.options.find((o) =>
          plan === 'correct' ? o.value === 'correct' : o.value !== 'correct',
        );
        return {
          guid: challenge.guid,
          value: String(option?.value ?? (plan === 'correct' ? 'correct' : 'incorrect_answer')),
        };
      }
      return { guid: challenge.guid, value: plan === 'correct' ? 'correct' : 'incorrect_answer' };
    });
  }

  /**
   * Posts answers, retried on 502/503/504 (MX's resume failed; the claim was released, so the
   * same answer may be sent again). 202 and 409 (already answered / not challenged) both end it.
   */
  async answer(job: ApiJob, answers: { guid: string; value: string }[]): Promise<ApiAnswer> {
    this.counters.answersSent += 1;
    const answer = await this.call('PUT', `${this.jobPath(job)}/challenges`, { challenges: answers });
    if (answer.status === 409 && answer.body?.error?.code === 'ALREADY_ANSWERED') this.counters.answersRepeated += 1;
    if (answer.status !== 202 && answer.status !== 409)
      throw new Error(`answering ${job.guid} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  }

  /**
   * Follows a job to its end, answering each challenge round as `plan` says (once per round).
   * `pollMs` is real time; fails after `timeoutMs` of real time. `givesUp` ends the following
   * early (`gaveUp: true`) when it holds for a job that is not terminal yet, e.g. because its
   * execution ended and only the reconciler can end the job now.
   */
  async follow(
    started: ApiJob,
    plan: AnswerPlan,
    {
      pollMs = 25,
      timeoutMs = 120_000,
      answerDelayMs = 0,
      givesUp,
    }: { pollMs?: number; timeoutMs?: number; answerDelayMs?: number; givesUp?: (job: ApiJob) => boolean } = {},
  ): Promise<{
    job: ApiJob;
    rounds: number;
    challengedAt: number[];
    reads: number;
    /** How long each read of the job through the API took (real ms). */
    readMs: number[];
    gaveUp: boolean;
    trace: string[];
  }> {
    const began = Date.now();
    const deadline = began + timeoutMs;
    const answered = new Set<string>();
    const challengedAt: number[] = [];
    const readMs: number[] = [];
    /** Each status change the backend saw and each answer it gave, with the real ms since it began following. */
    const trace: string[] = [];
    const note = (what: string) => trace.push(`${Date.now() - began}ms ${what}`);
    let rounds = 0;
    const outcome = (job: ApiJob, gaveUp: boolean) => ({
      job,
      rounds,
      challengedAt,
      reads: readMs.length,
      readMs,
      gaveUp,
      trace,
    });
    for (;;) {
      const readBegan = Date.now();
      const job = await this.readJob(started);
      readMs.push(Date.now() - readBegan);
      const seen = `${job.status}/${job.connection_status ?? ''}`;
      if (!trace.at(-1)?.endsWith(` ${seen}`)) note(seen);
      if (isTerminal(job.status)) return outcome(job, false);
      if (givesUp?.(job)) return outcome(job, true);
      if (job.status === 'CHALLENGED' && plan !== 'never') {
        const round = (job.challenges ?? [])
          .map((c) => c.guid)
          .sort()
          .join(',');
        if (!answered.has(round)) {
          answered.add(round);
          rounds += 1;
          challengedAt.push(Date.now());
          if (answerDelayMs > 0) await sleep(answerDelayMs);
          const answer = await this.answer(job, ScriptedBackend.answersFor(job, plan));
          note(`answer ${answer.status} ${answer.body?.error?.code ?? answer.body?.job?.status ?? ''}`);
        }
      }
      if (Date.now() > deadline)
        throw new Error(
          `job ${started.guid} (${started.type}) still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`,
        );
      await sleep(pollMs);
    }
  }

  /** Every stored result of one kind, read through the API page by page. */
  async results(
    kind: string,
    userGuid: string,
    memberGuid: string,
  ): Promise<{ guid: string; [key: string]: unknown }[]> {
    const all: { guid: string }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await this.expect(
        'GET',
        `/users/${userGuid}/members/${memberGuid}/${kind}?${query}`,
        undefined,
        200,
      );
      all.push(...(page[kind] as { guid: string }[]));
      cursor = page.pagination.next_cursor as string | null;
    } while (cursor);
    return all;
  }
}
