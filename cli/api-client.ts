import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '#shared/api/generated/api-paths.js';
import type { JobType } from '#shared/contract/workflow.js';
import { isLocalUrl, type RequestSigner, sigv4Signer } from './sigv4.js';

type Schemas = components['schemas'];
export type JobView = Schemas['Job'];
export type ResultKind = 'accounts' | 'account_numbers' | 'account_owners' | 'transactions';
type Json<Body> = Body extends { content: { 'application/json': infer T } } ? T : never;
type ResultsQuery = NonNullable<
  paths['/users/{user_guid}/members/{member_guid}/transactions']['get']['parameters']['query']
>;
interface InstitutionSearch {
  readonly name?: string | undefined;
  readonly supports_account_verification?: boolean | undefined;
  readonly supports_account_identification?: boolean | undefined;
  readonly page?: number;
  readonly records_per_page?: number;
}
/** What deleting a member answers: the deletion to follow, and warnings about its account numbers. */
export type MemberDeletedView = Json<paths['/users/{user_guid}/members/{member_guid}']['delete']['responses'][202]>;
/** A deletion of a user or a member, as GET /deletions/{deletion_guid} answers it. */
export type DeletionView = MemberDeletedView['deletion'];

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

/** Signs each request openapi-fetch is about to send (the body is signed too). */
function signing(signer: RequestSigner): Middleware {
  return {
    async onRequest({ request }) {
      const body = request.body === null ? undefined : await request.clone().text();
      const headers = await signer({
        method: request.method,
        url: new URL(request.url),
        headers: Object.fromEntries(request.headers),
        body,
      });
      return new Request(request, { headers });
    },
  };
}

interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/** The answer's body, or the API's refusal as an ApiCallError. */
function answered<T>({ data, error, response }: Answer<T>): T {
  if (response.ok) return data as T;
  const refusal = (error as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  const message = refusal?.message ?? (typeof error === 'string' && error !== '' ? error : response.statusText);
  throw new ApiCallError(response.status, refusal?.code ?? 'HTTP_ERROR', message, refusal?.field);
}

export type MxflowPathsClient = ReturnType<typeof createClient<paths>>;

/**
 * The typed client of every route, as the CLI and the tests call the API: openapi-fetch over
 * the generated `paths`, SigV4-signed unless the API is on this machine.
 */
export function mxflowPathsClient(baseUrl: string, options: ApiClientOptions = {}): MxflowPathsClient {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const fetchWith = options.fetch ?? globalThis.fetch;
  const client = createClient<paths>({
    baseUrl: base.href.replace(/\/$/, ''),
    fetch: (request) => fetchWith(request),
    headers: { Accept: 'application/json' },
  });
  const signer = options.signer === undefined ? (isLocalUrl(base) ? null : sigv4Signer()) : options.signer;
  if (signer) client.use(signing(signer));
  return client;
}

/**
 * mxflow's HTTPS API for the demo and the CLI: openapi-fetch over the `paths` generated from
 * the API's own OpenAPI document, so every path, parameter and body is checked at compile time.
 */
export class MxflowApiClient {
  private readonly client: MxflowPathsClient;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.client = mxflowPathsClient(baseUrl, options);
  }

  async createUser(user: Schemas['CreateUserBody']['user']) {
    return answered(await this.client.POST('/users', { body: { user } }));
  }

  /** The filters as booleans; the query carries them as `true`/`false`. */
  async searchInstitutions(filter: InstitutionSearch) {
    const {
      supports_account_verification: verification,
      supports_account_identification: identification,
      ...rest
    } = filter;
    const flag = (value: boolean | undefined) =>
      value === undefined ? undefined : value ? ('true' as const) : ('false' as const);
    const query = {
      ...rest,
      ...(verification === undefined ? {} : { supports_account_verification: flag(verification) }),
      ...(identification === undefined ? {} : { supports_account_identification: flag(identification) }),
    };
    return answered(await this.client.GET('/institutions', { params: { query } }));
  }

  async credentialFields(institutionCode: string) {
    const answer = await this.client.GET('/institutions/{institution_code}/credentials', {
      params: { path: { institution_code: institutionCode } },
    });
    return answered(answer) as {
      credentials: { guid: string; field_name?: string; label?: string; type?: string; field_type?: string }[];
    };
  }

  /** A member; `referral` says how an OAuth window sends the end user back (a browser, or an app at its redirect URL). */
  async createMember(
    userGuid: string,
    member: Schemas['CreateMemberBody']['member'],
    referral: Pick<Schemas['CreateMemberBody'], 'referral_source' | 'client_redirect_url'> = {},
  ) {
    const body = { member, ...referral };
    return answered(
      await this.client.POST('/users/{user_guid}/members', { params: { path: { user_guid: userGuid } }, body }),
    );
  }

  /** A fresh OAuth window for an OAuth member waiting for one, and the job that waits for it. */
  async requestOAuthWindow(userGuid: string, memberGuid: string, body: Schemas['OAuthWindowBody']) {
    const path = { user_guid: userGuid, member_guid: memberGuid };
    return answered(
      await this.client.POST('/users/{user_guid}/members/{member_guid}/oauth_window_uri', { params: { path }, body }),
    );
  }

  async listMembers(userGuid: string) {
    return answered(await this.client.GET('/users/{user_guid}/members', { params: { path: { user_guid: userGuid } } }));
  }

  /** The member's deletion (to follow) and warnings about the account numbers it held. */
  async deleteMember(userGuid: string, memberGuid: string): Promise<MemberDeletedView> {
    const path = { user_guid: userGuid, member_guid: memberGuid };
    return answered(await this.client.DELETE('/users/{user_guid}/members/{member_guid}', { params: { path } }));
  }

  async deleteUser(userGuid: string) {
    return answered(await this.client.DELETE('/users/{user_guid}', { params: { path: { user_guid: userGuid } } }));
  }

  async readDeletion(deletionGuid: string) {
    const path = { deletion_guid: deletionGuid };
    return answered(await this.client.GET('/deletions/{deletion_guid}', { params: { path } }));
  }

  async cancelJob(userGuid: string, memberGuid: string, jobGuid: string) {
    const path = { user_guid: userGuid, member_guid: memberGuid, job_guid: jobGuid };
    return answered(
      await this.client.POST('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/cancel', { params: { path } }),
    );
  }

  async startJob(type: JobType, userGuid: string, memberGuid: string, options: Schemas['StartJobBody'] = {}) {
    const init = { params: { path: { user_guid: userGuid, member_guid: memberGuid } }, body: options };
    // Every job type's start route has the same parameters, body and answer.
    return answered(await this.client.POST(`/users/{user_guid}/members/{member_guid}/${type}`, init));
  }

  async listJobs(userGuid: string, memberGuid: string, limit: number) {
    const params = { path: { user_guid: userGuid, member_guid: memberGuid }, query: { limit } };
    return answered(await this.client.GET('/users/{user_guid}/members/{member_guid}/jobs', { params }));
  }

  async readJob(userGuid: string, memberGuid: string, jobGuid: string) {
    const path = { user_guid: userGuid, member_guid: memberGuid, job_guid: jobGuid };
    return answered(
      await this.client.GET('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}', { params: { path } }),
    );
  }

  async answerChallenges(
    userGuid: string,
    memberGuid: string,
    jobGuid: string,
    challenges: { guid: string; value: string }[],
  ) {
    const path = { user_guid: userGuid, member_guid: memberGuid, job_guid: jobGuid };
    const answer = await this.client.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
      params: { path },
      body: { challenges },
    });
    return answered(answer);
  }

  /** Every stored result of one kind, page by page. */
  async *results<T = Record<string, unknown>>(
    kind: ResultKind,
    userGuid: string,
    memberGuid: string,
    query: Partial<ResultsQuery> = {},
  ): AsyncGenerator<T[]> {
    let cursor: string | null | undefined;
    do {
      const params = {
        path: { user_guid: userGuid, member_guid: memberGuid },
        query: { limit: 1000, ...query, ...(cursor ? { cursor } : {}) },
      };
      // One path per kind in the API; the transactions query is the widest of the four.
      const page = answered(
        await this.client.GET(
          `/users/{user_guid}/members/{member_guid}/${kind}` as '/users/{user_guid}/members/{member_guid}/transactions',
          { params },
        ),
      ) as { pagination: { next_cursor: string | null } } & Record<string, unknown>;
      yield page[kind] as T[];
      cursor = page.pagination.next_cursor;
    } while (cursor);
  }
}
