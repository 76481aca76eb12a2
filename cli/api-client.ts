import type { z } from 'zod';
import type { Job, Member, User } from '#shared/api/schemas.js';
import type { JobType } from '#shared/jobs/job-types.js';
import { isLocalUrl, type RequestSigner, sigv4Signer } from './sigv4.js';

export type JobView = z.output<typeof Job>;
export type MemberView = z.output<typeof Member>;
export type UserView = z.output<typeof User>;
export type ResultKind = 'accounts' | 'account_numbers' | 'account_owners' | 'transactions';
type Query = Record<string, string | number | boolean | undefined>;

/** A refusal from mxflow's API, with its error code and the field it names. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(`${status} ${code}: ${message}${field ? ` (${field})` : ''}`);
  }
}

export interface ApiClientOptions {
  readonly fetch?: typeof fetch;
  /** Defaults to SigV4 from the AWS credential chain for any URL that is not on this machine. */
  readonly signer?: RequestSigner | null;
}

/** A small client of mxflow's HTTPS API, for the demo and the CLI. */
export class MxflowApiClient {
  private readonly base: URL;
  private readonly fetch: typeof fetch;
  private readonly signer: RequestSigner | null;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.signer = options.signer === undefined ? (isLocalUrl(this.base) ? null : sigv4Signer()) : options.signer;
  }

  async call<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (this.signer) headers = await this.signer({ method, url, headers, body });
    const response = await this.fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
      throw new ApiCallError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? (text || response.statusText), error?.field);
    }
    return json as T;
  }

  createUser(user: { id?: string; email?: string; metadata?: string }) {
    return this.call<{ user: UserView }>('POST', '/users', { body: { user } });
  }

  searchInstitutions(query: { name?: string; supports_account_verification?: boolean; supports_account_identification?: boolean; page?: number; records_per_page?: number }) {
    return this.call<{ institutions: Record<string, unknown>[]; pagination: Record<string, number> }>('GET', '/institutions', { query });
  }

  credentialFields(institutionCode: string) {
    return this.call<{ credentials: { guid: string; field_name?: string; label?: string; type?: string; field_type?: string }[] }>(
      'GET',
      `/institutions/${encodeURIComponent(institutionCode)}/credentials`,
    );
  }

  createMember(userGuid: string, member: Record<string, unknown>, clientRedirectUrl?: string) {
    return this.call<{ member: MemberView; job?: JobView }>('POST', `/users/${userGuid}/members`, {
      body: { member, ...(clientRedirectUrl ? { client_redirect_url: clientRedirectUrl } : {}) },
    });
  }

  listMembers(userGuid: string) {
    return this.call<{ members: MemberView[] }>('GET', `/users/${userGuid}/members`);
  }

  startJob(type: JobType, userGuid: string, memberGuid: string, options: { observe?: boolean; include_transactions?: boolean } = {}) {
    return this.call<{ job: JobView }>('POST', `/users/${userGuid}/members/${memberGuid}/${type}`, { body: options });
  }

  readJob(userGuid: string, memberGuid: string, jobGuid: string) {
    return this.call<{ job: JobView }>('GET', `/users/${userGuid}/members/${memberGuid}/jobs/${jobGuid}`);
  }

  answerChallenges(userGuid: string, memberGuid: string, jobGuid: string, challenges: { guid: string; value: string }[]) {
    return this.call<{ job: JobView }>('PUT', `/users/${userGuid}/members/${memberGuid}/jobs/${jobGuid}/challenges`, { body: { challenges } });
  }

  /** Every stored result of one kind, page by page. */
  async *results<T = Record<string, unknown>>(kind: ResultKind, userGuid: string, memberGuid: string, query: Query = {}): AsyncGenerator<T[]> {
    let cursor: string | null | undefined;
    do {
      const page = await this.call<Record<string, unknown> & { pagination: { next_cursor: string | null } }>('GET', `/users/${userGuid}/members/${memberGuid}/${kind}`, {
        query: { limit: 1000, ...query, ...(cursor ? { cursor } : {}) },
      });
      yield page[kind] as T[];
      cursor = page.pagination.next_cursor;
    } while (cursor);
  }
}
