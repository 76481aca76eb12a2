import type { JobType } from '#shared/contract/workflow.js';
import { OAUTH_RENEWABLE_STATUSES } from '#shared/mx/connection-statuses.js';
import * as z from '#shared/runtime/zod.js';
import { MxWebhook } from '#shared/webhooks/mx-webhook.js';
import {
  AccountNumber,
  AnswerChallengesBody,
  CreateMemberBody,
  CreateUserBody,
  Deletion,
  DeletionGuid,
  InstitutionCode,
  InstitutionSearchQuery,
  Job,
  JobGuid,
  Member,
  MemberDeleted,
  MemberGuid,
  MxPagination,
  MxRecord,
  OAuthWindowBody,
  PageQuery,
  Pagination,
  StartJobBody,
  TransactionsPage,
  TransactionsQuery,
  UpdateMemberBody,
  User,
  UserGuid,
  WidgetUrlBody,
} from './schemas.js';

/** The Lambda functions behind the API, one per resource family. */
export const API_FUNCTIONS = ['users', 'institutions', 'members', 'jobs', 'results', 'webhooks'] as const;
export type ApiFunction = (typeof API_FUNCTIONS)[number];
/**
 * Whether each API function talks to MX (its operations call `deps.mx()`): only those may read
 * the MX secret, and only those run behind the static egress IPs MX allow-lists. Results are
 * read from DynamoDB alone.
 */
export const API_FUNCTION_CALLS_MX: Readonly<Record<ApiFunction, boolean>> = {
  users: true,
  institutions: true,
  members: true,
  jobs: true,
  results: false,
  // The receiver only stores deliveries; their processing (which reads MX) is another function.
  webhooks: false,
};
/**
 * Whether each API function hands out cursors (a route of it takes `cursor` or
 * `updated_since_cursor`): only those may read the cursor secret, whose key seals them.
 */
export const API_FUNCTION_PAGES: Readonly<Record<ApiFunction, boolean>> = {
  users: false,
  institutions: false,
  members: false,
  jobs: true,
  results: true,
  webhooks: false,
};

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway resource path, `{name}` for parameters. */
  readonly path: string;
  readonly function: ApiFunction;
  readonly operationId: string;
  readonly summary: string;
  readonly params?: z.ZodMiniObject;
  readonly query?: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  /** Whether a body must be sent (otherwise an empty body counts as `{}`). */
  readonly bodyRequired?: boolean;
  /**
   * Whether the route takes an `Idempotency-Key` header: a retry with the same key (same route,
   * same parameters, same body) answers the first success again instead of running twice.
   */
  readonly idempotent?: boolean;
  readonly responses: Readonly<Record<number, z.ZodMiniType | null>>;
  /**
   * Who may call the route. Every route is behind IAM (SigV4) but MX's webhook receiver: MX cannot
   * sign, so that one is open at the gateway and its function checks the HTTP Basic credentials
   * MX's dashboard sends (`mx-webhook`), before it reads anything else of the request.
   */
  readonly auth?: 'mx-webhook';
}

/** Checks a route against `RouteSpec` and keeps its exact schemas, so its operation's request is typed from them. */
export const defineRoute = <const R extends RouteSpec>(route: R): R => route;

type Parsed<S, Empty> = S extends z.ZodMiniType ? z.output<S> : Empty;

/** A request's parts, as its route's schemas parsed them. */
interface ParsedParts<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The Idempotency-Key header of an idempotent route, when sent. */
  readonly idempotencyKey?: string;
}

/** What an operation of this route receives: its parameters, query and body as its schemas parse them. */
export type RouteRequest<R extends RouteSpec = RouteSpec> = ParsedParts<
  Parsed<R['params'], Record<string, never>>,
  Parsed<R['query'], Record<string, never>>,
  Parsed<R['body'], undefined>
>;

const userParams = z.object({ user_guid: UserGuid });
const memberParams = z.extend(userParams, { member_guid: MemberGuid });
const jobParams = z.extend(memberParams, { job_guid: JobGuid });
const deletion = z.object({ deletion: Deletion });
const user = z.object({ user: User });
const member = z.object({ member: Member, job: z.optional(Job) });
/** A create MX refused as a duplicate answers the member MX already holds (200), marked adopted. */
const createdMember = z.extend(member, {
  adopted: z
    .optional(z.literal(true))
    .check(z.describe('MX already held this member (a retried create): it was adopted, not created')),
});
const job = z.object({ job: Job });
const list = (key: string, item: z.ZodMiniType = MxRecord) =>
  z.object({ [key]: z.array(item), pagination: Pagination });
const MEMBER_PATH = '/users/{user_guid}/members/{member_guid}';

/** What each job start route starts, in its summary. */
const JOB_NAMES = {
  aggregate: 'an aggregation',
  verify: 'a verification',
  identify: 'an identification',
  history: "an extended-history (MX's extend_history: up to 24 months of transactions)",
} as const;

const jobStartRoute = <const T extends JobType>(type: T) =>
  defineRoute({
    method: 'POST',
    path: `${MEMBER_PATH}/${type}`,
    function: 'jobs',
    operationId: `${type}Member` as const,
    summary: `Start ${JOB_NAMES[type]} job on the member (or follow one with observe)`,
    params: memberParams,
    body: StartJobBody,
    idempotent: true,
    responses: { 202: job, 409: null },
  });

const results = <const Id extends string, Q extends z.ZodMiniType>(
  kind: string,
  operationId: Id,
  summary: string,
  query: Q,
  item: z.ZodMiniType = MxRecord,
  page: z.ZodMiniType = list(kind, item),
) =>
  defineRoute({
    method: 'GET',
    path: `${MEMBER_PATH}/${kind}`,
    function: 'results',
    operationId,
    summary,
    params: memberParams,
    query,
    responses: { 200: page, 410: null },
  });

/** MX's webhooks: the path MX's dashboard is given. */
export const MX_WEBHOOK_PATH = '/webhooks/mx';

/** The one route table: the CDK API, the local API gateway, the handlers and the OpenAPI document all read it. */
export const API_ROUTES = [
  {
    method: 'POST',
    path: '/users',
    function: 'users',
    operationId: 'createUser',
    summary: 'Create a user (or return the one with this id)',
    body: CreateUserBody,
    bodyRequired: true,
    responses: { 200: user, 201: user },
  },
  {
    method: 'GET',
    path: '/users/{user_guid}',
    function: 'users',
    operationId: 'readUser',
    summary: 'Read a user',
    params: userParams,
    responses: { 200: user },
  },
  {
    method: 'DELETE',
    path: '/users/{user_guid}',
    function: 'users',
    operationId: 'deleteUser',
    summary:
      'Delete a user: its running jobs are cancelled, MX deletes it, and every item mxflow holds for it is purged (202: follow the deletion)',
    params: userParams,
    responses: { 202: deletion, 409: null },
  },
  {
    method: 'GET',
    path: '/deletions/{deletion_guid}',
    function: 'users',
    operationId: 'readDeletion',
    summary: 'Read a deletion of a user or a member',
    params: z.object({ deletion_guid: DeletionGuid }),
    responses: { 200: deletion },
  },
  {
    method: 'POST',
    path: '/users/{user_guid}/widget_urls',
    function: 'users',
    operationId: 'requestWidgetUrl',
    summary: 'Get a Connect widget URL for the user',
    params: userParams,
    body: WidgetUrlBody,
    bodyRequired: true,
    responses: { 200: z.object({ widget_url: z.object({ type: z.nullable(z.string()), url: z.string() }) }) },
  },
  {
    method: 'GET',
    path: '/institutions',
    function: 'institutions',
    operationId: 'searchInstitutions',
    summary: 'Search MX institutions by name and what they support',
    query: InstitutionSearchQuery,
    responses: { 200: z.object({ institutions: z.array(MxRecord), pagination: MxPagination }) },
  },
  {
    method: 'GET',
    path: '/institutions/{institution_code}/credentials',
    function: 'institutions',
    operationId: 'listInstitutionCredentials',
    summary: 'The credential fields a member at this institution needs',
    params: z.object({ institution_code: InstitutionCode }),
    responses: { 200: z.object({ credentials: z.array(MxRecord) }) },
  },
  {
    method: 'POST',
    path: '/users/{user_guid}/members',
    function: 'members',
    operationId: 'createMember',
    summary: 'Connect a member at an institution (or adopt the one MX already holds for these credentials)',
    params: userParams,
    body: CreateMemberBody,
    bodyRequired: true,
    idempotent: true,
    responses: { 200: createdMember, 201: createdMember, 409: null },
  },
  {
    method: 'GET',
    path: '/users/{user_guid}/members',
    function: 'members',
    operationId: 'listMembers',
    summary: "List the user's members",
    params: userParams,
    responses: { 200: z.object({ members: z.array(Member) }) },
  },
  {
    method: 'GET',
    path: MEMBER_PATH,
    function: 'members',
    operationId: 'readMember',
    summary: 'Read a member',
    params: memberParams,
    responses: { 200: member },
  },
  {
    method: 'PUT',
    path: MEMBER_PATH,
    function: 'members',
    operationId: 'updateMemberCredentials',
    summary: 'Re-authenticate a member with new credentials',
    params: memberParams,
    body: UpdateMemberBody,
    bodyRequired: true,
    responses: { 202: member, 409: null },
  },
  {
    method: 'POST',
    path: `${MEMBER_PATH}/oauth_window_uri`,
    function: 'members',
    operationId: 'requestOAuthWindow',
    summary: `A fresh OAuth window for an OAuth member waiting for one (${OAUTH_RENEWABLE_STATUSES.join(', ')}): the job waiting for the end user gets it, or a job follows`,
    params: memberParams,
    body: OAuthWindowBody,
    responses: { 200: member, 202: member, 409: null },
  },
  {
    method: 'DELETE',
    path: MEMBER_PATH,
    function: 'members',
    operationId: 'deleteMember',
    summary:
      'Delete a member: its running job is cancelled, MX deletes it, and every item mxflow holds for it is purged (202: follow the deletion)',
    params: memberParams,
    responses: { 202: MemberDeleted, 409: null },
  },
  jobStartRoute('aggregate'),
  jobStartRoute('verify'),
  jobStartRoute('identify'),
  jobStartRoute('history'),
  {
    method: 'GET',
    path: `${MEMBER_PATH}/jobs`,
    function: 'jobs',
    operationId: 'listJobs',
    summary: "List the member's jobs, newest first",
    params: memberParams,
    query: PageQuery,
    responses: { 200: z.object({ jobs: z.array(Job), pagination: Pagination }) },
  },
  {
    method: 'GET',
    path: `${MEMBER_PATH}/jobs/{job_guid}`,
    function: 'jobs',
    operationId: 'readJob',
    summary: 'Read a job',
    params: jobParams,
    responses: { 200: job },
  },
  {
    method: 'PUT',
    path: `${MEMBER_PATH}/jobs/{job_guid}/challenges`,
    function: 'jobs',
    operationId: 'answerChallenges',
    summary: 'Answer the challenges a CHALLENGED job waits on; the job resumes',
    params: jobParams,
    body: AnswerChallengesBody,
    bodyRequired: true,
    responses: { 202: job, 409: null },
  },
  {
    method: 'POST',
    path: `${MEMBER_PATH}/jobs/{job_guid}/cancel`,
    function: 'jobs',
    operationId: 'cancelJob',
    summary: 'Cancel a running or challenged job: its execution is stopped, it ends CANCELLED, the member is free',
    params: jobParams,
    responses: { 200: job, 409: null },
  },
  results(
    'account_numbers',
    'listAccountNumbers',
    'Account and routing numbers from verification, each marked is_tokenized',
    PageQuery,
    AccountNumber,
  ),
  results('account_owners', 'listAccountOwners', 'Account owners from identification', PageQuery),
  results('accounts', 'listAccounts', 'Accounts', PageQuery),
  results(
    'transactions',
    'listTransactions',
    'Transactions, optionally of one account and between two dates; or, with updated_since_cursor, what changed since',
    TransactionsQuery,
    MxRecord,
    TransactionsPage,
  ),
  {
    method: 'POST',
    path: MX_WEBHOOK_PATH,
    function: 'webhooks',
    operationId: 'receiveMxWebhook',
    summary:
      "MX's webhooks (HTTP Basic, not SigV4): each delivery is stored once, answered 204, then wakes its member's job",
    auth: 'mx-webhook',
    body: MxWebhook,
    bodyRequired: true,
    responses: { 204: null },
  },
] as const satisfies readonly RouteSpec[];

export type ApiRoute = (typeof API_ROUTES)[number];
export type OperationId<F extends ApiFunction> = Extract<ApiRoute, { function: F }>['operationId'];
/** The route an operation id names. */
export type RouteOf<Id extends ApiRoute['operationId']> = Extract<ApiRoute, { operationId: Id }>;

/** `GET /users/{user_guid}`: how API Gateway names the route a proxy event came through. */
export const routeKey = (route: { readonly method: string; readonly path: string }) => `${route.method} ${route.path}`;
