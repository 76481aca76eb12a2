import type {
  AccountNumberResponse,
  AccountOwnerResponse,
  AccountResponse,
  ChallengeResponse,
  ConnectWidgetRequest,
  ConnectWidgetResponse,
  CredentialRequest,
  CredentialResponse,
  InstitutionResponse,
  MemberCreateRequestBody,
  MemberResponse,
  MemberStatusResponse,
  MemberUpdateRequest,
  TransactionResponse,
  UserCreateRequest,
  UserResponse,
  UserUpdateRequest,
  WidgetRequest,
  WidgetResponse,
} from 'mx-platform-node';
import { fromDialectResource, type MxDialect, toDialectResource } from './dialect.js';
import { type UnwrappedList, unwrapList, unwrapResource } from './envelope.js';
import { MxError } from './errors.js';
import { collectItems, MAX_PAGE_SIZE, MIN_PAGE_SIZE, type MxPage, paginate } from './pagination.js';
import {
  type HttpMethod,
  type MxCallRecord,
  type MxRequest,
  type MxTransportConfig,
  type QueryValue,
  sendMxRequest,
} from './transport.js';

export interface MxClientOptions {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly apiKey: string;
  /** `platform` (v20111101, the default) or the legacy `atrium` API of the verification guide. */
  readonly dialect?: MxDialect;
  /** Per-request time limit; MX's own answers are usually well under a second. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly onCall?: (call: MxCallRecord) => void;
  /**
   * Tries again of one list page after a transient failure (default 2). A caller inside a
   * request with a deadline (the API) sets 0: its caller retries, not it.
   */
  readonly pageRetries?: number;
  /** The first wait before a page is tried again (default 250 ms, doubling each try; never under MX's Retry-After). */
  readonly pageRetryBaseMs?: number;
}

/** `history`: MX's extended transaction history (extend_history), up to 24 months. */
export type MxJobType = 'aggregate' | 'verify' | 'identify' | 'history';

/** What MX said to a job start. */
export interface MxJobStart {
  readonly member: MemberResponse;
  readonly httpStatus: number;
  /** The MX job the member is now running (the new one, or the one it attached to). */
  readonly jobGuid: string | undefined;
  /**
   * True when MX reported a job of this type already running instead of starting one. MX
   * answers 202 both for a new aggregation/identification and for one already running; pass
   * `previousJobGuid` (the member's `most_recent_job_guid` read before the start) to tell them
   * apart. Verification answers 200 when it starts and 202 when one runs, so it needs nothing.
   */
  readonly alreadyRunning: boolean;
}

export interface JobStartOptions {
  readonly includeTransactions?: boolean;
  readonly callbackPayload?: string;
  readonly previousJobGuid?: string | null;
}

export interface CallbackOptions {
  readonly callbackPayload?: string;
}

export interface DateRange {
  /** YYYY-MM-DD; MX's default window is about 120 days back. */
  readonly fromDate?: string;
  readonly toDate?: string;
  /** YYYY-MM-DD: only what MX changed on or after this day (at most 6 months before `toUpdatedAt`). */
  readonly fromUpdatedAt?: string;
  readonly toUpdatedAt?: string;
}

export interface InstitutionFilter {
  readonly name?: string;
  readonly supportsAccountVerification?: boolean;
  readonly supportsAccountIdentification?: boolean;
  readonly supportsTransactionHistory?: boolean;
  readonly isoCountryCode?: string;
}

const JOB_ENDPOINTS: Record<MxJobType, { operation: string; path: string; startedStatus: number }> = {
  aggregate: {
    operation: 'aggregateMember',
    path: '/users/{user_guid}/members/{member_guid}/aggregate',
    startedStatus: 202,
  },
  // MX's spec declares 200 for a started verification; 202 means one is already running.
  verify: { operation: 'verifyMember', path: '/users/{user_guid}/members/{member_guid}/verify', startedStatus: 200 },
  identify: {
    operation: 'identifyMember',
    path: '/users/{user_guid}/members/{member_guid}/identify',
    startedStatus: 202,
  },
  history: {
    operation: 'extendHistory',
    path: '/users/{user_guid}/members/{member_guid}/extend_history',
    startedStatus: 202,
  },
};

const MEMBER = '/users/{user_guid}/members/{member_guid}';
const credentialValues = (credentials: readonly CredentialRequest[] | undefined): string[] =>
  (credentials ?? []).map((c) => c.value).filter((v): v is string => typeof v === 'string');

/**
 * A typed client for MX's Platform API v20111101 (and the legacy Atrium dialect), covering the
 * endpoints mxflow's workflows use. Models are MX's own, from `mx-platform-node`.
 */
export class MxClient {
  readonly dialect: MxDialect;
  private readonly transport: MxTransportConfig;
  private readonly pageRetries: number | undefined;
  private readonly pageRetryBaseMs: number | undefined;

  constructor(options: MxClientOptions) {
    this.dialect = options.dialect ?? 'platform';
    this.pageRetries = options.pageRetries;
    this.pageRetryBaseMs = options.pageRetryBaseMs;
    this.transport = {
      baseUrl: options.baseUrl,
      credentials: { clientId: options.clientId, apiKey: options.apiKey },
      dialect: this.dialect,
      timeoutMs: options.timeoutMs ?? 15_000,
      fetch: options.fetch ?? globalThis.fetch,
      ...(options.onCall ? { onCall: options.onCall } : {}),
    };
  }

  // ── users ───────────────────────────────────────────────────────────────────────────────
  createUser(user: UserCreateRequest): Promise<UserResponse> {
    return this.resource('createUser', 'POST', '/users', 'user', {
      body: { user: toDialectResource(this.dialect, { ...user }) },
    });
  }

  readUser(userGuid: string): Promise<UserResponse> {
    return this.resource('readUser', 'GET', '/users/{user_guid}', 'user', { pathParams: { user_guid: userGuid } });
  }

  listUsers(filter: { id?: string; email?: string } = {}): AsyncGenerator<MxPage<UserResponse>> {
    return this.pages('listUsers', '/users', 'users', { query: { id: filter.id, email: filter.email } });
  }

  updateUser(userGuid: string, user: UserUpdateRequest): Promise<UserResponse> {
    return this.resource('updateUser', 'PUT', '/users/{user_guid}', 'user', {
      pathParams: { user_guid: userGuid },
      body: { user: toDialectResource(this.dialect, { ...user }) },
    });
  }

  async deleteUser(userGuid: string): Promise<void> {
    await this.send({
      operation: 'deleteUser',
      method: 'DELETE',
      pathTemplate: '/users/{user_guid}',
      pathParams: { user_guid: userGuid },
    });
  }

  // ── institutions ────────────────────────────────────────────────────────────────────────
  listInstitutions(filter: InstitutionFilter = {}): AsyncGenerator<MxPage<InstitutionResponse>> {
    return this.pages('listInstitutions', '/institutions', 'institutions', {
      pageSize: MAX_PAGE_SIZE.institutions,
      query: institutionQuery(filter),
    });
  }

  /** One page of an institution search, for callers that page themselves. */
  async listInstitutionsPage(
    filter: InstitutionFilter,
    page: number,
    recordsPerPage: number,
  ): Promise<UnwrappedList<InstitutionResponse>> {
    // MX silently answers 25 a page to a size out of its range: refuse one rather than page wrongly.
    if (
      !Number.isInteger(recordsPerPage) ||
      recordsPerPage < MIN_PAGE_SIZE ||
      recordsPerPage > MAX_PAGE_SIZE.institutions
    ) {
      throw new MxError({
        operation: 'listInstitutions',
        code: 'MX_INVALID_REQUEST',
        mxMessage: `records_per_page must be ${MIN_PAGE_SIZE}–${MAX_PAGE_SIZE.institutions}`,
      });
    }
    const { status, body } = await this.send({
      operation: 'listInstitutions',
      method: 'GET',
      pathTemplate: '/institutions',
      query: { ...institutionQuery(filter), page, records_per_page: recordsPerPage },
    });
    return unwrapList<InstitutionResponse>('listInstitutions', status, body, 'institutions');
  }

  listInstitutionCredentials(institutionCode: string): Promise<CredentialResponse[]> {
    return collectItems(
      this.pages('listInstitutionCredentials', '/institutions/{institution_code}/credentials', 'credentials', {
        pathParams: { institution_code: institutionCode },
      }),
    );
  }

  // ── members ─────────────────────────────────────────────────────────────────────────────
  /** Creates a member; MX answers 202 when it starts the member's first aggregation. */
  async createMember(
    userGuid: string,
    request: MemberCreateRequestBody,
    options: CallbackOptions = {},
  ): Promise<{ member: MemberResponse; httpStatus: number }> {
    const member = request.member ? toDialectResource(this.dialect, { ...request.member }) : undefined;
    const { status, body } = await this.send({
      operation: 'createMember',
      method: 'POST',
      pathTemplate: '/users/{user_guid}/members',
      pathParams: { user_guid: userGuid },
      body: { ...request, member },
      secrets: credentialValues(request.member?.credentials),
      ...options,
    });
    return { member: this.unwrap('createMember', status, body, 'member'), httpStatus: status };
  }

  listMembers(userGuid: string): AsyncGenerator<MxPage<MemberResponse>> {
    return this.pages('listMembers', '/users/{user_guid}/members', 'members', { pathParams: { user_guid: userGuid } });
  }

  readMember(userGuid: string, memberGuid: string): Promise<MemberResponse> {
    return this.resource('readMember', 'GET', MEMBER, 'member', { pathParams: memberParams(userGuid, memberGuid) });
  }

  /** Updates a member; with new credentials MX re-authenticates it (a new aggregation). */
  updateMember(
    userGuid: string,
    memberGuid: string,
    member: MemberUpdateRequest,
    options: CallbackOptions = {},
  ): Promise<MemberResponse> {
    return this.resource('updateMember', 'PUT', MEMBER, 'member', {
      pathParams: memberParams(userGuid, memberGuid),
      body: { member: toDialectResource(this.dialect, { ...member }) },
      secrets: credentialValues(member.credentials),
      ...options,
    });
  }

  /**
   * A fresh one-time OAuth window for an OAuth member (MX's `GET …/oauth_window_uri`); the
   * member's earlier window stops working. The options are MX's query parameters as named.
   */
  requestOAuthWindowUri(
    userGuid: string,
    memberGuid: string,
    options: OAuthWindowOptions = {},
  ): Promise<Pick<MemberResponse, 'guid' | 'oauth_window_uri'>> {
    return this.resource('requestOAuthWindowUri', 'GET', `${MEMBER}/oauth_window_uri`, 'member', {
      pathParams: memberParams(userGuid, memberGuid),
      query: { ...options },
    });
  }

  async deleteMember(userGuid: string, memberGuid: string): Promise<void> {
    await this.send({
      operation: 'deleteMember',
      method: 'DELETE',
      pathTemplate: MEMBER,
      pathParams: memberParams(userGuid, memberGuid),
    });
  }

  readMemberStatus(userGuid: string, memberGuid: string): Promise<MemberStatusResponse> {
    return this.resource('readMemberStatus', 'GET', `${MEMBER}/status`, 'member', {
      pathParams: memberParams(userGuid, memberGuid),
    });
  }

  listMemberChallenges(userGuid: string, memberGuid: string): Promise<ChallengeResponse[]> {
    return collectItems(
      this.pages('listMemberChallenges', `${MEMBER}/challenges`, 'challenges', {
        pathParams: memberParams(userGuid, memberGuid),
      }),
    );
  }

  /** Answers the member's challenges; for option types the value is the chosen option's `value`. */
  resumeMember(
    userGuid: string,
    memberGuid: string,
    challenges: readonly CredentialRequest[],
  ): Promise<MemberResponse> {
    return this.resource('resumeMember', 'PUT', `${MEMBER}/resume`, 'member', {
      pathParams: memberParams(userGuid, memberGuid),
      body: { member: { challenges } },
      secrets: credentialValues(challenges),
    });
  }

  /** Starts an aggregation, verification, identification or extended history; see {@link MxJobStart} for 202. */
  async startJob(
    type: MxJobType,
    userGuid: string,
    memberGuid: string,
    options: JobStartOptions = {},
  ): Promise<MxJobStart> {
    const endpoint = JOB_ENDPOINTS[type];
    const { status, body } = await this.send({
      operation: endpoint.operation,
      method: 'POST',
      pathTemplate: endpoint.path,
      pathParams: memberParams(userGuid, memberGuid),
      query: type === 'aggregate' ? { include_transactions: options.includeTransactions } : {},
      ...(options.callbackPayload === undefined ? {} : { callbackPayload: options.callbackPayload }),
    });
    const member = this.unwrap<MemberResponse>(endpoint.operation, status, body, 'member');
    const jobGuid = member.most_recent_job_guid ?? undefined;
    if (jobGuid !== undefined && typeof jobGuid !== 'string') {
      throw new MxError({
        operation: endpoint.operation,
        status,
        code: 'MX_INVALID_RESPONSE',
        mxMessage: '"member.most_recent_job_guid" is not a string',
      });
    }
    const alreadyRunning =
      endpoint.startedStatus === 200
        ? status === 202
        : options.previousJobGuid !== undefined &&
          options.previousJobGuid !== null &&
          jobGuid === options.previousJobGuid;
    return { member, httpStatus: status, jobGuid, alreadyRunning };
  }

  // ── accounts and results ────────────────────────────────────────────────────────────────
  // The result lists start at `fromPage` (default 1): a copy resumed in a later step goes on
  // at the page it reached instead of asking MX for the first pages again.
  listMemberAccounts(userGuid: string, memberGuid: string, fromPage = 1): AsyncGenerator<MxPage<AccountResponse>> {
    return this.pages('listMemberAccounts', `${MEMBER}/accounts`, 'accounts', {
      pathParams: memberParams(userGuid, memberGuid),
      fromPage,
    });
  }

  listAccountNumbersByMember(
    userGuid: string,
    memberGuid: string,
    fromPage = 1,
  ): AsyncGenerator<MxPage<AccountNumberResponse>> {
    return this.pages('listAccountNumbersByMember', `${MEMBER}/account_numbers`, 'account_numbers', {
      pathParams: memberParams(userGuid, memberGuid),
      fromPage,
    });
  }

  listAccountOwnersByMember(
    userGuid: string,
    memberGuid: string,
    fromPage = 1,
  ): AsyncGenerator<MxPage<AccountOwnerResponse>> {
    return this.pages('listAccountOwnersByMember', `${MEMBER}/account_owners`, 'account_owners', {
      pathParams: memberParams(userGuid, memberGuid),
      fromPage,
    });
  }

  listTransactionsByAccount(
    userGuid: string,
    accountGuid: string,
    range: DateRange = {},
    fromPage = 1,
  ): AsyncGenerator<MxPage<TransactionResponse>> {
    return this.pages(
      'listTransactionsByAccount',
      '/users/{user_guid}/accounts/{account_guid}/transactions',
      'transactions',
      {
        pathParams: { user_guid: userGuid, account_guid: accountGuid },
        query: dateQuery(range),
        fromPage,
      },
    );
  }

  // ── Connect widget ──────────────────────────────────────────────────────────────────────
  requestWidgetUrl(userGuid: string, widget: WidgetRequest, options: CallbackOptions = {}): Promise<WidgetResponse> {
    return this.resource('requestWidgetUrl', 'POST', '/users/{user_guid}/widget_urls', 'widget_url', {
      pathParams: { user_guid: userGuid },
      body: { widget_url: widget },
      ...options,
    });
  }

  /** The older Connect URL endpoint; Atrium takes the settings bare, the Platform API under `config`. */
  requestConnectWidgetUrl(userGuid: string, config: ConnectWidgetRequest = {}): Promise<ConnectWidgetResponse> {
    return this.resource('requestConnectWidgetUrl', 'POST', '/users/{user_guid}/connect_widget_url', 'user', {
      pathParams: { user_guid: userGuid },
      body: this.dialect === 'atrium' ? config : { config },
    });
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────
  private send(request: MxRequest) {
    return sendMxRequest(this.transport, request);
  }

  private unwrap<T>(operation: string, status: number, body: unknown, key: string): T {
    return fromDialectResource(this.dialect, unwrapResource<T>(operation, status, body, key));
  }

  private async resource<T>(
    operation: string,
    method: HttpMethod,
    pathTemplate: string,
    key: string,
    request: Omit<MxRequest, 'operation' | 'method' | 'pathTemplate'> = {},
  ): Promise<T> {
    const { status, body } = await this.send({ operation, method, pathTemplate, ...request });
    return this.unwrap<T>(operation, status, body, key);
  }

  private pages<T>(
    operation: string,
    pathTemplate: string,
    key: string,
    request: {
      pathParams?: Record<string, string>;
      query?: Record<string, QueryValue>;
      pageSize?: number;
      fromPage?: number;
    } = {},
  ): AsyncGenerator<MxPage<T>> {
    const { pageSize = MAX_PAGE_SIZE.default, fromPage = 1, ...rest } = request;
    return paginate(
      async (page) => {
        const { status, body } = await this.send({
          operation,
          method: 'GET',
          pathTemplate,
          ...rest,
          query: { ...rest.query, page, records_per_page: pageSize },
        });
        const list = unwrapList<T>(operation, status, body, key);
        return { ...list, items: list.items.map((item) => fromDialectResource(this.dialect, item)) };
      },
      this.pageRetries,
      this.pageRetryBaseMs,
      fromPage,
    );
  }
}

function memberParams(userGuid: string, memberGuid: string): Record<string, string> {
  return { user_guid: userGuid, member_guid: memberGuid };
}

/** MX's query parameters of `GET …/oauth_window_uri`. */
export interface OAuthWindowOptions {
  readonly referral_source?: 'BROWSER' | 'APP';
  readonly client_redirect_url?: string;
  readonly ui_message_webview_url_scheme?: string;
  readonly enable_app2app?: boolean;
  readonly skip_aggregation?: boolean;
}

function institutionQuery(filter: InstitutionFilter): Record<string, QueryValue> {
  return {
    name: filter.name,
    supports_account_verification: filter.supportsAccountVerification,
    supports_account_identification: filter.supportsAccountIdentification,
    supports_transaction_history: filter.supportsTransactionHistory,
    iso_country_code: filter.isoCountryCode,
  };
}

function dateQuery(range: DateRange): Record<string, QueryValue> {
  return {
    from_date: range.fromDate,
    to_date: range.toDate,
    from_updated_at: range.fromUpdatedAt,
    to_updated_at: range.toUpdatedAt,
  };
}
