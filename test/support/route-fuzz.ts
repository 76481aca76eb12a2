import { Duration } from 'aws-cdk-lib';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toProxyEvent } from '#local/api-gateway/proxy-event.js';
import { lambdaContext } from '#local/lambda-context.js';
import { API_FUNCTION_SIZE } from '#shared/api/api-functions.js';
import { type CursorKeys, encodeCursor } from '#shared/api/cursor.js';
import { MAX_BODY_BYTES } from '#shared/api/parse-request.js';
import { API_ROUTES, type ApiFunction, type RouteSpec, routeKey } from '#shared/api/routes.js';
import { ENV, isTerminal } from '#shared/contract/workflow.js';
import { keys, RESULT_KINDS, type ResultKind } from '#shared/store/keys.js';
import {
  anyString,
  describedAs,
  fuzzParameters,
  fuzzRuns,
  hugeString,
  nastyString,
  shorten,
  Tally,
  wellFormed,
} from '#test/support/fuzz.js';
import { readDelay } from '#test/support/read-delay.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * Property-based fuzzing of every route of the API, driven in-process: each generated request
 * becomes the proxy event API Gateway would send (`toProxyEvent`) and goes to the route's real
 * Lambda handler, which runs against the real local stack (DynamoDB Local, the MX simulator,
 * local Step Functions) that the harness started and put in `process.env`.
 *
 * Property: the handler never answers 5xx (the simulator injects no fault here, so no 502-504
 * mapped from MX is legitimate either), and every 4xx is `{error:{code, message, field?}}`.
 * Most requests are invalid; about a quarter are valid-shaped, with guids of the right prefix
 * that do not exist (those must be 404 naming the field) or that do (deeper paths).
 */

/**
 * Generated requests per route: 50 in `npm test`, a quick pass on every change; the reliability
 * suite runs these files again with MXFLOW_FUZZ_RUNS=1000 (test/reliability/vitest.config.ts),
 * so CI fuzzes each route 1,050 times.
 */
const RUNS_PER_ROUTE = fuzzRuns(50);

type Lambda = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type Route = RouteSpec;

let h: WorkflowHarness;
let handlers: Record<ApiFunction, Lambda>;
/** The local stack's cursor keys: forged cursors sealed with them get past the seal to the checks behind it. */
let cursorKeys: CursorKeys;

/** Resources that exist, created in `beforeAll` through the same handlers. */
const known = {
  user: '',
  /** A second user, with no members: another user's member must look unknown to it. */
  otherUser: '',
  /** A user only the deletions name: deleting it changes nothing the other requests meet. */
  doomedUser: '',
  /** An mxbank member with a finished aggregation and identification, and their results. */
  idleMember: '',
  idleJobs: [] as string[],
  /** A member whose identification is parked on a TEXT challenge for the whole file. */
  parkedMember: '',
  parkedJob: '',
  /** Cursors the API really gave out (for the idle member). */
  cursors: [] as string[],
};

// ── invoking the handlers ──────────────────────────────────────────────────────────────────

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly text: string;
}

async function invoke(event: APIGatewayProxyEvent, family: ApiFunction): Promise<Answer> {
  const result = await handlers[family](
    event,
    lambdaContext(`api-${family}`, API_FUNCTION_SIZE.memoryMb, API_FUNCTION_SIZE.timeoutSeconds),
  );
  return { status: result.statusCode, headers: result.headers ?? {}, text: result.body };
}

/** A request as a backend would send it, through the gateway's own event builder. */
async function send(method: string, url: string, json?: unknown): Promise<{ status: number; body: any }> {
  const matched = toProxyEvent({
    method,
    url,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? '' : JSON.stringify(json),
  });
  if (!matched) throw new Error(`no route for ${method} ${url}`);
  const answer = await invoke(matched.event, matched.route.function);
  return { status: answer.status, body: answer.text === '' ? undefined : JSON.parse(answer.text) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForJob(path: string, until: (job: { status: string }) => boolean): Promise<any> {
  const deadline = Date.now() + 30_000;
  for (let reads = 0; ; reads += 1) {
    const read = await send('GET', path);
    if (read.status === 200 && until(read.body.job)) return read.body.job;
    if (Date.now() > deadline) throw new Error(`${path} did not get there: ${JSON.stringify(read.body)}`);
    await sleep(readDelay(reads));
  }
}

/** Powertools Metrics warns on every invocation that emits no metric; 10,000 of them are only noise. */
const EMPTY_METRICS_WARNING = 'No application metrics to publish';
const stderrWrite = process.stderr.write;

/**
 * The fixtures every fuzz file needs: the local system, and the resources the cases reach
 * (`known`). Each fuzz file calls it once; the files run side by side.
 */
export function useFuzzFixtures(): void {
  beforeAll(async () => {
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
      String(chunk).includes(EMPTY_METRICS_WARNING)
        ? true
        : (stderrWrite as (...args: unknown[]) => boolean).call(
            process.stderr,
            chunk,
            ...rest,
          )) as typeof process.stderr.write;
    // Jobs of 30 s of MX time (30 ms here); the parked challenge must outlive the file by far.
    h = await startWorkflowHarness({
      simulator: { seed: 'api-fuzz', jobDurationMs: 30_000, transactionsPerAccount: 20 },
      challengeTimeout: Duration.days(30),
      environment: API_TEST_POLLING,
    });
    // Imported only now: Powertools reads its settings (log level ERROR) when the logger is created.
    handlers = {
      users: (await import('#functions/api/users.js')).handler,
      institutions: (await import('#functions/api/institutions.js')).handler,
      members: (await import('#functions/api/members.js')).handler,
      jobs: (await import('#functions/api/jobs.js')).handler,
      results: (await import('#functions/api/results.js')).handler,
      webhooks: (await import('#functions/api/webhooks.js')).handler,
    } as Record<ApiFunction, Lambda>;
    const { cursorKeysFromSecret } = await import('#shared/runtime/cursor-secret.js');
    cursorKeys = await cursorKeysFromSecret(String(process.env[ENV.cursorSecretId]));

    known.user = (await send('POST', '/users', { user: { id: 'fuzz-user' } })).body.user.guid;
    known.otherUser = (await send('POST', '/users', { user: { id: 'fuzz-other-user' } })).body.user.guid;
    known.doomedUser = (await send('POST', '/users', { user: { id: 'fuzz-doomed-user' } })).body.user.guid;
    const fields = (await send('GET', '/institutions/mxbank/credentials')).body.credentials as {
      guid: string;
      field_type: string;
    }[];
    const credentials = (password: string) =>
      fields.map((f) => ({ guid: f.guid, value: f.field_type === 'PASSWORD' ? password : 'mxuser' }));
    const member = async (password: string) =>
      String(
        (
          await send('POST', `/users/${known.user}/members`, {
            member: { institution_code: 'mxbank', credentials: credentials(password), skip_aggregation: true },
          })
        ).body.member.guid,
      );

    known.idleMember = await member('password');
    const idlePath = `/users/${known.user}/members/${known.idleMember}`;
    for (const type of ['aggregate', 'identify']) {
      const started = await send('POST', `${idlePath}/${type}`, {});
      const done = await waitForJob(`${idlePath}/jobs/${started.body.job.guid}`, (j) => isTerminal(j.status));
      expect(done.status).toBe('SUCCEEDED');
      known.idleJobs.push(done.guid);
    }
    known.parkedMember = await member('challenge');
    const parkedPath = `/users/${known.user}/members/${known.parkedMember}`;
    const parked = await send('POST', `${parkedPath}/identify`, {});
    known.parkedJob = parked.body.job.guid;
    await waitForJob(`${parkedPath}/jobs/${known.parkedJob}`, (j) => j.status === 'CHALLENGED');

    for (const url of [
      `${idlePath}/transactions?limit=7`,
      `${idlePath}/accounts?limit=1`,
      `${idlePath}/account_owners?limit=2`,
      `${idlePath}/jobs?limit=1`,
    ]) {
      const page = await send('GET', url);
      expect(page.body.pagination.next_cursor).toEqual(expect.any(String));
      known.cursors.push(page.body.pagination.next_cursor);
    }
  }, 120_000);
  afterAll(async () => {
    process.stderr.write = stderrWrite;
    await h?.stop();
  });
}

// ── generated requests ─────────────────────────────────────────────────────────────────────

type SegmentTag = 'existing' | 'unknown' | 'invalid';

/** One path parameter: a value (percent-encoded when the URL is built) or a raw, pre-encoded segment. */
interface Segment {
  readonly tag: SegmentTag;
  readonly value: string;
  readonly raw?: boolean;
}

type EventMutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'base64-body' }
  | { readonly kind: 'null-headers' }
  | { readonly kind: 'header-case'; readonly name: string }
  | { readonly kind: 'direct-path-parameter'; readonly value: string }
  | { readonly kind: 'direct-query'; readonly pairs: readonly (readonly [string, string])[] }
  | { readonly kind: 'foreign-route'; readonly resource: string };

type Branch = 'valid' | 'deep' | 'mixed';

interface FuzzCase {
  readonly route: Route;
  /** The generator branch: 'valid' draws every part from valid shapes, 'deep' names existing resources. */
  readonly branch: Branch;
  readonly segments: Readonly<Record<string, Segment>>;
  readonly query: readonly (readonly [string, string])[];
  readonly body: string;
  readonly contentType: string | undefined;
  readonly mutation: EventMutation;
}

const oneOfWeighted = <T>(...entries: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const uuidGuid = (prefix: string) => fc.uuid().map((u) => `${prefix}-${u}`);
const isDotSegment = (s: string) => s === '.' || s === '..';

/** A guid of the right shape that no one created. */
function unknownGuid(name: string): fc.Arbitrary<string> {
  if (name === 'job_guid') return fc.tuple(hex(12), hex(16)).map(([a, b]) => `JOB-${a}-${b}`);
  if (name === 'institution_code') return fc.stringMatching(/^[A-Za-z0-9_-]{1,100}$/).filter((s) => s !== 'mxbank');
  const prefix = PREFIX[name] ?? 'XXX';
  return fc.oneof(
    uuidGuid(prefix),
    fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/).map((body) => `${prefix}-${body}`),
  );
}

const PREFIX: Record<string, string> = {
  user_guid: 'USR',
  member_guid: 'MBR',
  job_guid: 'JOB',
  account_guid: 'ACT',
  deletion_guid: 'DEL',
};
const OTHER_PREFIXES = ['USR', 'MBR', 'JOB', 'ACT', 'ACN', 'TRN', 'CRD', 'INS', 'usr', 'mbr', 'job', 'X', ''];

/** Guids that must be refused: right prefix with wrong characters, other prefixes, traversal, very long, unicode. */
function invalidGuid(name: string): fc.Arbitrary<Segment> {
  const prefix = PREFIX[name] ?? 'mxbank';
  const value = (a: fc.Arbitrary<string>) =>
    a.filter((s) => s.length > 0 && !isDotSegment(s)).map((v): Segment => ({ tag: 'invalid', value: v }));
  const raw = (a: fc.Arbitrary<string>) => a.map((v): Segment => ({ tag: 'invalid', value: v, raw: true }));
  const wrongChars = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9-]{0,10}$/),
      nastyString({ maxParts: 3 }).filter((s) => /[^A-Za-z0-9-]/.test(s)),
      fc.stringMatching(/^[A-Za-z0-9-]{0,10}$/),
    )
    .map(([a, bad, b]) => `${prefix}-${a}${bad}${b}`);
  return fc.oneof(
    value(wrongChars),
    value(
      fc.constantFrom(
        `${prefix}-abc_def`,
        `${prefix}-a.b`,
        `${prefix}- x`,
        `${prefix}-😀`,
        `${prefix}-`,
        `${prefix}`,
        ` ${prefix}-abc`,
        `${prefix}-abc\n`,
        `${prefix}-abc\u0000`,
        `${prefix}-\uD800`,
        `${prefix.toLowerCase()}-abc`,
      ),
    ),
    value(fc.tuple(fc.constantFrom(...OTHER_PREFIXES), fc.uuid()).map(([p, u]) => `${p}-${u}`)),
    value(
      name === 'job_guid'
        ? fc.tuple(hex(12), hex(17)).map(([a, b]) => `JOB-${a}-${b}`)
        : fc.constant(`${prefix}-${'a'.repeat(65)}`),
    ),
    value(fc.integer({ min: 65, max: 20_000 }).map((n) => `${prefix}-${'A1-'.repeat(Math.ceil(n / 3))}`)),
    value(nastyString()),
    value(hugeString(4_000)),
    raw(
      fc.constantFrom(
        '..%2F..%2Fusers',
        `${prefix}-..%2F..%2Fx`,
        `${prefix}-abc%2Fdef`,
        '%2E%2E%2F%2E%2E%2F',
        '..%5C..%5Cwindows',
        '%252F',
        `${prefix}-abc%00`,
        '%ED%A0%80',
        '%FF%FE',
        `${prefix}-%E0%A4%A`,
        '%',
        '%%',
        `${prefix}-%F0%9F%98%80`,
        `${prefix}-abc%20`,
        `${prefix}-abc;x=1`,
      ),
    ),
  );
}

/** Existing resources a generated request may name without changing anything that matters. */
function existingChoices(route: Route, name: string): string[] {
  const op = route.operationId;
  const mutatesMember = ['updateMemberCredentials', 'aggregateMember', 'verifyMember', 'identifyMember'].includes(op);
  // A deletion would purge the fixtures every other request names: it names a user of its own.
  if (op === 'deleteUser' || op === 'deleteMember') {
    if (name === 'user_guid') return [known.doomedUser];
    if (name === 'member_guid') return ['MBR-00000000-0000-0000-0000-000000000000'];
  }
  switch (name) {
    case 'user_guid':
      return [known.user, known.otherUser];
    case 'member_guid':
      // Starting a job, updating or deleting the idle member would change it: only the parked
      // member (busy, so 202 with its job or 409) is named there.
      return mutatesMember ? [known.parkedMember] : [known.idleMember, known.parkedMember];
    case 'job_guid':
      return [...known.idleJobs, known.parkedJob];
    case 'institution_code':
      return ['mxbank', 'MXBANK', 'acme_federal_cu'];
    case 'deletion_guid':
      return [`DEL-${'0'.repeat(32)}`];
    default:
      return [];
  }
}

function segmentArb(route: Route, name: string, branch: 'valid' | 'mixed'): fc.Arbitrary<Segment> {
  // Resolved lazily: the fixtures exist only once beforeAll ran.
  const existing = fc
    .constant(null)
    .chain(() =>
      fc.constantFrom(...existingChoices(route, name)).map((value): Segment => ({ tag: 'existing', value })),
    );
  const unknown = unknownGuid(name).map((value): Segment => ({ tag: 'unknown', value }));
  if (branch === 'valid') return oneOfWeighted([2, existing], [3, unknown]);
  return oneOfWeighted([1, existing], [2, unknown], [5, invalidGuid(name)]);
}

// Query strings.
type Pairs = readonly (readonly [string, string])[];
const optionalPair = (key: string, value: fc.Arbitrary<string>) =>
  fc.option(
    value.map((v) => [key, v] as const),
    { nil: undefined },
  );
const compact = (pairs: (readonly [string, string] | undefined)[]): Pairs =>
  pairs.filter((p): p is readonly [string, string] => p !== undefined);

const validLimit = fc.integer({ min: 1, max: 1000 }).map(String);
const badLimit = fc.oneof(
  fc.integer({ min: -1000, max: 0 }).map(String),
  fc.integer({ min: 1001, max: 10_000_000 }).map(String),
  fc.constantFrom(
    '',
    ' ',
    '1.5',
    'NaN',
    'Infinity',
    '-Infinity',
    '10abc',
    '١٠',
    '1e309',
    '9'.repeat(400),
    'true',
    '[]',
    '{}',
    'null',
    '0b2',
  ),
  nastyString(),
);
// Coerced numbers also accept these; the schema decides.
const oddButNumericLimit = fc.constantFrom('1e3', ' 10 ', '0x10', '007', '+5', '0b11', '1.0');

function partitionFor(member: string, list: ResultKind | 'jobs'): string {
  return list === 'jobs' ? keys.jobsOfMember(member).pk : keys.resultsOfMember(member, list).pk;
}
const base64url = (text: string) => Buffer.from(text).toString('base64url');
/** A made-up cursor as the API would seal it (only the stack holds the key): its checks after the seal are what it meets. */
const sealed = (value: unknown) =>
  encodeCursor(cursorKeys, value as Record<string, unknown>) ?? base64url(JSON.stringify(value));
/** A made-up cursor: readable (refused at the seal) or sealed with the stack's key. */
const forged = (value: unknown) =>
  fc.constantFrom(sealed, (v: unknown) => base64url(JSON.stringify(v))).map((f) => f(value));
/** Sort keys a cursor may carry: empty, another item type's, outside the list's range, huge, unicode. */
const oddSortKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  nastyString(),
  fc.constantFrom(
    '',
    ' ',
    'LOCK',
    'JOB#',
    'JOB',
    'USER',
    'MEMBER#x',
    'ACT-0',
    '\u0000',
    '\uD800',
    'ZZZZ',
    '~',
    'JOB#JOB-000000000000-0000000000000000',
    'JOB#JOB-ffffffffffff-ffffffffffffffff',
  ),
  hex(16).map((x) => `JOB#JOB-${x.slice(0, 12)}-${x}`),
  fc.integer({ min: 1_000, max: 1_450 }).chain((n) => hugeString(n)),
);
const cursorArb: fc.Arbitrary<string> = fc.oneof(
  // A cursor the API gave out (valid only on the list and member it came from).
  fc.constant(null).chain(() => fc.constantFrom(...known.cursors)),
  // Random base64url.
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  // Valid-looking JSON keys for this or another member's partition, with odd sort keys.
  fc
    .record({
      member: fc.oneof(
        fc.constant(null).chain(() => fc.constantFrom(known.idleMember, known.parkedMember)),
        uuidGuid('MBR'),
      ),
      list: fc.constantFrom<ResultKind | 'jobs'>('jobs', ...(Object.keys(RESULT_KINDS) as ResultKind[])),
      sk: oddSortKey,
      extra: oneOfWeighted(
        [3, fc.constant({})],
        [
          1,
          fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), {
            minKeys: 1,
            maxKeys: 2,
          }),
        ],
      ),
      skType: fc.constantFrom('string', 'string', 'string', 'number', 'null', 'object'),
    })
    .chain(({ member, list, sk, extra, skType }) => {
      const skValue = skType === 'string' ? sk : skType === 'number' ? 42 : skType === 'null' ? null : { S: sk };
      return forged({ pk: partitionFor(member, list), sk: skValue, ...extra });
    }),
  // JSON that is not a key at all.
  fc.jsonValue({ maxDepth: 2 }).chain((v) => forged(v)),
  // Not base64url.
  nastyString().filter((s) => s.length > 0),
  fc.constantFrom('', '=', '====', 'e30', 'bnVsbA', 'W10', '%%%', 'a'.repeat(2049)),
  hugeString(3_000),
  hugeString(300 * 1024),
);

const realDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const badDate = fc.oneof(
  fc.constantFrom(
    '2023-02-30',
    '2023-13-01',
    '2023-00-10',
    '2023-1-1',
    '20230101',
    '2023-01-01T00:00:00Z',
    '2023/01/01',
    '0000-00-00',
    '9999-99-99',
    '',
    'today',
  ),
  nastyString(),
);
const queryBool = fc.constantFrom('true', 'false');
const badBool = fc.constantFrom('TRUE', 'False', '1', '0', '', 'yes', 'null', ' true');
const extraPairs = fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 20 })), {
  minLength: 1,
  maxLength: 3,
});

function queryArb(route: Route, branch: 'valid' | 'mixed'): fc.Arbitrary<Pairs> {
  const mixed = branch === 'mixed';
  const pick = (valid: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
    mixed ? oneOfWeighted([2, valid], [3, bad]) : valid;
  const withExtras = (base: fc.Arbitrary<Pairs>) =>
    mixed
      ? fc
          .tuple(base, oneOfWeighted<Pairs>([3, fc.constant([])], [1, extraPairs]))
          .map(([pairs, extra]) => [...pairs, ...extra])
      : base;
  if (route.operationId === 'searchInstitutions') {
    return withExtras(
      fc
        .tuple(
          optionalPair(
            'name',
            pick(
              fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('mx bank', 'MX', 'bank', 'oauth')),
              fc.oneof(fc.constant(''), nastyString(), hugeString(300)),
            ),
          ),
          optionalPair('supports_account_verification', pick(queryBool, badBool)),
          optionalPair('supports_account_identification', pick(queryBool, badBool)),
          optionalPair('supports_transaction_history', pick(queryBool, badBool)),
          optionalPair('page', pick(fc.integer({ min: 1, max: 10_000 }).map(String), badLimit)),
          optionalPair(
            'records_per_page',
            pick(
              fc.integer({ min: 10, max: 100 }).map(String),
              fc.oneof(badLimit, fc.constantFrom('9', '101', '1000')),
            ),
          ),
        )
        .map(compact),
    );
  }
  if (!route.query) {
    // Routes without a query ignore one; send some anyway.
    return mixed ? oneOfWeighted<Pairs>([1, fc.constant([])], [1, extraPairs]) : fc.constant([]);
  }
  const page = [
    optionalPair('limit', pick(fc.oneof(validLimit, oddButNumericLimit), badLimit)),
    // Cursors are never "valid" by construction here: the schema only checks their length.
    optionalPair('cursor', mixed ? cursorArb : fc.constant(null).chain(() => fc.constantFrom(...known.cursors))),
  ] as const;
  if (route.operationId !== 'listTransactions') return withExtras(fc.tuple(...page).map(compact));
  return withExtras(
    fc
      .tuple(
        ...page,
        optionalPair(
          'account_guid',
          pick(
            unknownGuid('account_guid'),
            invalidGuid('account_guid').map((s) => s.value),
          ),
        ),
        optionalPair('from_date', pick(realDate, badDate)),
        optionalPair('to_date', pick(realDate, badDate)),
      )
      .map(compact),
  );
}

// Bodies.
const credentialArb = (value: fc.Arbitrary<string>) =>
  fc.record({ guid: fc.oneof(uuidGuid('CRD'), fc.string({ minLength: 1, maxLength: 100 })), value });
/** Text a valid body may hold: no lone surrogate, no U+FFFD (the API reads either as bytes that were not UTF-8). */
const acceptedText = (text: string) => wellFormed(text).replaceAll('\uFFFD', '?');
/** An id a valid body may hold: accepted text without control characters. */
const acceptedId = (text: string) => acceptedText(text).replace(/\p{Cc}/gu, '');
const textValue = fc.oneof(fc.string({ maxLength: 40 }), nastyString()).map(acceptedText);
/** A URL scheme alone (RFC 3986), as ui_message_webview_url_scheme takes it. */
const urlScheme = fc.stringMatching(/^[a-z][a-z0-9+.-]{0,15}$/);

/** Valid-shaped bodies of each route, by operation. */
function validBodyArb(route: Route): fc.Arbitrary<unknown> {
  switch (route.operationId) {
    case 'createUser': {
      // Mostly ids that exist (answered from DynamoDB alone); a new id or none creates a user at MX.
      const fields = {
        id: oneOfWeighted(
          [3, fc.constantFrom('fuzz-user', 'fuzz-other-user')],
          [1, fc.string({ minLength: 1, maxLength: 60 })],
          [
            1,
            nastyString()
              .map(acceptedId)
              .filter((s) => s.length > 0),
          ],
        ),
        // z.email() is stricter than RFC 5322: mostly plain addresses, some exotic ones.
        email: oneOfWeighted(
          [
            3,
            fc
              .tuple(fc.stringMatching(/^[a-z0-9._-]{1,20}$/), fc.constantFrom('example.com', 'mx.test', 'bank.co.uk'))
              .map(([local, domain]) => `${local}@${domain}`),
          ],
          [1, fc.emailAddress()],
        ),
        metadata: fc.oneof(textValue, hugeString(4_000).map(acceptedText)),
      };
      return oneOfWeighted(
        [3, fc.record(fields, { requiredKeys: ['id'] })],
        [1, fc.record(fields, { requiredKeys: [] }).filter((u) => Object.keys(u).length > 0)],
      ).map((user) => ({ user }));
    }
    case 'requestWidgetUrl':
      return fc
        .record(
          {
            widget_type: fc.constant('connect_widget'),
            mode: fc.constantFrom('aggregation', 'verification'),
            current_institution_code: fc.constantFrom('mxbank', 'acme_federal_cu', 'nowhere_bank'),
            current_member_guid: uuidGuid('MBR'),
            include_transactions: fc.boolean(),
            include_identity: fc.boolean(),
            update_credentials: fc.boolean(),
            client_redirect_url: fc.webUrl({ validSchemes: ['https'] }),
            is_mobile_webview: fc.boolean(),
            ui_message_webview_url_scheme: urlScheme,
            color_scheme: fc.constantFrom('light', 'browser', 'dark'),
            disable_background_agg: fc.boolean(),
            disable_institution_search: fc.boolean(),
            enable_app2app: fc.boolean(),
            oauth_referral_source: fc.constantFrom('BROWSER', 'APP'),
            ui_message_version: fc.integer({ min: 1, max: 4 }),
          },
          { requiredKeys: [] },
        )
        .map((widget_url) => ({ widget_url }));
    case 'createMember':
      // Never an OAuth institution with is_oauth: that would connect a real member.
      return fc
        .record(
          {
            member: fc.record(
              {
                institution_code: fc.oneof(
                  fc.constantFrom('mxbank', 'acme_federal_cu'),
                  unknownGuid('institution_code'),
                ),
                credentials: fc.array(credentialArb(textValue), { minLength: 1, maxLength: 3 }),
                is_oauth: fc.boolean(),
                id: fc.string({ minLength: 1, maxLength: 30 }),
                metadata: textValue,
                skip_aggregation: fc.boolean(),
                background_aggregation_is_disabled: fc.boolean(),
              },
              { requiredKeys: ['institution_code', 'credentials'] },
            ),
            enable_app2app: fc.boolean(),
          },
          { requiredKeys: ['member'] },
        )
        .chain((body) =>
          // How the end user comes back, as MX takes it: a browser (with the redirect URL MX's guide
          // asks of every OAuth member, which MX ignores), or an app with its redirect URL.
          fc
            .oneof(
              fc.record(
                {
                  referral_source: fc.constant('BROWSER'),
                  client_redirect_url: fc.webUrl({ validSchemes: ['https'] }),
                  ui_message_webview_url_scheme: urlScheme,
                },
                { requiredKeys: [] },
              ),
              fc.record(
                {
                  referral_source: fc.constant('APP'),
                  client_redirect_url: fc.webUrl({ validSchemes: ['https'] }),
                  ui_message_webview_url_scheme: urlScheme,
                },
                { requiredKeys: ['referral_source', 'client_redirect_url'] },
              ),
            )
            .map((referral) => ({ ...body, ...referral })),
        );
    case 'updateMemberCredentials':
      return fc
        .array(credentialArb(textValue), { minLength: 1, maxLength: 20 })
        .map((credentials) => ({ member: { credentials } }));
    case 'aggregateMember':
    case 'verifyMember':
    case 'identifyMember':
      return fc.record({ include_transactions: fc.boolean(), observe: fc.boolean() }, { requiredKeys: [] });
    case 'answerChallenges':
      return fc.array(credentialArb(textValue), { minLength: 1, maxLength: 20 }).map((challenges) => ({ challenges }));
    default:
      return fc.constant({});
  }
}

type Json = unknown;
/** Every path into a JSON value: to delete or replace what is there. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}
function withAt(value: Json, path: (string | number)[], change: (parent: any, key: string | number) => void): Json {
  const copy = structuredClone(value) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  change(parent, path[path.length - 1] as string | number);
  return copy;
}

/** A valid body made invalid: a field removed, replaced by another type, an unknown field added, the envelope dropped. */
function mutatedBodyArb(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  const other = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, 0, -1, 1.5, true, false, '', [], {}, '1', 'true', 'null'),
  );
  return fc
    .tuple(
      valid,
      fc.nat(),
      other,
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('delete', 'replace', 'add', 'unwrap', 'wrap'),
    )
    .map(([body, index, replacement, key, how]) => {
      const paths = pathsOf(body);
      if (how === 'unwrap')
        return body !== null && typeof body === 'object' ? (Object.values(body)[0] ?? replacement) : replacement;
      if (how === 'wrap') return [body];
      if (how === 'add' || paths.length === 0) {
        const objects = [[], ...paths].filter((p) => {
          const target = p.reduce((v: any, k) => v?.[k], body);
          return target !== null && typeof target === 'object' && !Array.isArray(target);
        });
        const at = objects[index % Math.max(1, objects.length)] ?? [];
        return at.length === 0
          ? { ...(body as object), [key]: replacement }
          : withAt(body, at, (parent, k) => (parent[k] = { ...parent[k], [key]: replacement }));
      }
      const path = paths[index % paths.length] as (string | number)[];
      return withAt(body, path, (parent, k) => {
        if (how === 'delete') {
          if (Array.isArray(parent)) parent.splice(Number(k), 1);
          else delete parent[k];
        } else parent[k] = replacement;
      });
    });
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/vnd.mxflow+json',
];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'application/xml',
  'json',
  '',
  'application/json-patch',
  '*/*',
];
const contentTypeArb = oneOfWeighted(
  [8, fc.constantFrom(...JSON_TYPES)],
  [2, fc.constantFrom(...OTHER_TYPES)],
  [1, fc.constant(undefined)],
);

function bodyArb(
  route: Route,
  branch: 'valid' | 'mixed',
): fc.Arbitrary<{ body: string; contentType: string | undefined }> {
  const valid = validBodyArb(route);
  const json = (a: fc.Arbitrary<Json>) => a.map((v) => JSON.stringify(v));
  if (branch === 'valid') {
    const text =
      route.body && !route.bodyRequired
        ? oneOfWeighted([4, json(valid)], [1, fc.constantFrom('', ' ', '\n')])
        : json(valid);
    return fc.record({ body: text, contentType: fc.constantFrom(...JSON_TYPES) });
  }
  const malformed = fc.oneof(
    json(valid).chain((text) =>
      fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut)),
    ),
    fc.constantFrom(
      '{',
      '}',
      '[',
      '{"a":}',
      "{'a':1}",
      '{"a":1,}',
      'NaN',
      'undefined',
      '{"a":1}{"b":2}',
      '\uFEFF{}',
      '{"a":"\\uZZZZ"}',
      '{"a":"\u0000"}',
      '<html><body>Bad</body></html>',
      'null',
      '""',
      '0',
      'true',
      '[]',
    ),
    nastyString(),
    anyString(60),
  );
  const huge = fc.oneof(
    // Over the limit: 413.
    hugeString(300 * 1024).map((s) =>
      JSON.stringify({
        user: { id: s },
        member: { credentials: [{ guid: 'CRD-1', value: s }] },
        challenges: [{ guid: 'x', value: s }],
      }),
    ),
    fc.constant(null).map(() => JSON.stringify({ x: '😀'.repeat(70_000) })), // 280 KB in UTF-8, 140 K UTF-16 units
    // Under the limit but far past every max length: 400.
    hugeString(200 * 1024).map((s) => JSON.stringify({ user: { id: s, metadata: s } })),
    fc.integer({ min: 21, max: 5_000 }).map((n) =>
      JSON.stringify({
        challenges: Array.from({ length: n }, (_, i) => ({ guid: `CRD-${i}`, value: 'v' })),
        member: { credentials: Array.from({ length: n }, (_, i) => ({ guid: `CRD-${i}`, value: 'v' })) },
      }),
    ),
    fc.integer({ min: 100, max: 5_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  );
  const text = oneOfWeighted<string>(
    [3, json(valid)],
    [5, json(mutatedBodyArb(valid))],
    [2, json(fc.jsonValue({ maxDepth: 3 }))],
    [3, malformed],
    [1, huge],
    [1, fc.constantFrom('', ' ', '\n\t', '\r\n')],
  );
  return fc.record({ body: text, contentType: contentTypeArb });
}

const mutationArb: fc.Arbitrary<EventMutation> = oneOfWeighted<EventMutation>(
  [20, fc.constant({ kind: 'none' })],
  [1, fc.constant({ kind: 'base64-body' })],
  [1, fc.constant({ kind: 'null-headers' })],
  [
    1,
    fc
      .constantFrom('Content-Type', 'CONTENT-TYPE', 'content-TYPE')
      .map((name) => ({ kind: 'header-case' as const, name })),
  ],
  // What no URL can carry (lone surrogates, slashes), straight into the event.
  [
    1,
    fc
      .oneof(nastyString(), fc.constantFrom('\uD800', 'USR-a/b', 'MBR-\uDFFF', '', 'JOB-../..'))
      .map((value) => ({ kind: 'direct-path-parameter' as const, value })),
  ],
  [
    1,
    fc
      .array(
        fc.tuple(fc.constantFrom('limit', 'cursor', 'name', 'page', 'from_date', 'account_guid', 'x'), nastyString()),
        { minLength: 1, maxLength: 3 },
      )
      .map((pairs) => ({ kind: 'direct-query' as const, pairs })),
  ],
  [
    1,
    fc
      .constantFrom(...API_ROUTES.map((r) => r.path), '/nowhere', '')
      .map((resource) => ({ kind: 'foreign-route' as const, resource })),
  ],
);

function caseArb(route: Route): fc.Arbitrary<FuzzCase> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const branch = (b: Branch) => {
    // 'deep': existing resources and a valid body, so that the operation itself runs and meets
    // the fuzzed part the schemas cannot judge (cursors, challenge guids, busy members).
    const parts = b === 'deep' ? 'valid' : b;
    const existing = (n: string) =>
      fc.constantFrom(...existingChoices(route, n)).map((value): Segment => ({ tag: 'existing', value }));
    const segmentsArb = fc.record(
      Object.fromEntries(names.map((n) => [n, b === 'deep' ? existing(n) : segmentArb(route, n, parts)])) as Record<
        string,
        fc.Arbitrary<Segment>
      >,
    );
    const pagedList =
      route.operationId === 'listJobs'
        ? 'jobs'
        : route.function === 'results'
          ? (route.path.split('/').at(-1) as ResultKind)
          : undefined;
    // Built once (building arbitraries is far slower than drawing from them); only a deep
    // list's query depends on the member drawn, through one arbitrary per partition.
    const query = queryArb(route, parts);
    const deepQueries = new Map<string, fc.Arbitrary<Pairs>>();
    const queryFor = (segments: Record<string, Segment>): fc.Arbitrary<Pairs> => {
      if (b !== 'deep' || !pagedList) return query;
      const partition = partitionFor(String(segments.member_guid?.value), pagedList);
      if (!deepQueries.has(partition)) deepQueries.set(partition, deepQueryArb(partition));
      return deepQueries.get(partition) as fc.Arbitrary<Pairs>;
    };
    const rest = fc.record({
      payload: route.body || b === 'mixed' ? bodyArb(route, parts) : fc.constant({ body: '', contentType: undefined }),
      mutation: b === 'mixed' ? mutationArb : fc.constant<EventMutation>({ kind: 'none' }),
    });
    return segmentsArb
      .chain((segments) => fc.tuple(fc.constant(segments), queryFor(segments), rest))
      .map(
        ([segments, query, { payload, mutation }]): FuzzCase =>
          describedAs(
            { route, branch: b, segments, query, body: payload.body, contentType: payload.contentType, mutation },
            describeCase,
          ),
      );
  };
  // About a fifth valid-shaped: they reach DynamoDB (and for some routes MX), the slow part.
  return oneOfWeighted([2, branch('valid')], [1, branch('deep')], [11, branch('mixed')]);
}

/**
 * A schema-valid page query whose cursor is anything the schema lets through: mostly a key of
 * the very partition the list reads (so it passes the cursor check and reaches DynamoDB) with
 * an odd sort key, or any other cursor.
 */
function deepQueryArb(partition: string): fc.Arbitrary<Pairs> {
  const samePartition = fc
    .record({ sk: oddSortKey, extra: oneOfWeighted([7, fc.constant({})], [1, fc.constant({ x: 1 })]) })
    .map(({ sk, extra }) => sealed({ pk: partition, sk, ...extra }));
  const cursor = oneOfWeighted([3, samePartition], [1, cursorArb]).filter((c) => c.length >= 1 && c.length <= 2048);
  return fc.tuple(optionalPair('limit', validLimit), cursor).map(([limit, c]) => compact([limit, ['cursor', c]]));
}

function urlOf(c: FuzzCase): string {
  const path = c.route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const segment = c.segments[name] as Segment;
    return segment.raw ? segment.value : encodeURIComponent(wellFormed(segment.value));
  });
  const query = c.query
    .map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(wellFormed(v))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}

function describeCase(c: FuzzCase): string {
  return shorten({
    route: routeKey(c.route),
    branch: c.branch,
    url: urlOf(c),
    segments: c.segments,
    contentType: c.contentType,
    body: c.body,
    mutation: c.mutation,
  });
}

/** The proxy event of a case: built by the gateway's `toProxyEvent`, then the event-level mutation. */
function eventOf(c: FuzzCase): { event: APIGatewayProxyEvent; family: ApiFunction } | undefined {
  const headers: Record<string, string> = c.contentType === undefined ? {} : { 'content-type': c.contentType };
  const matched = toProxyEvent({ method: c.route.method, url: urlOf(c), headers, body: c.body });
  if (!matched) return undefined;
  const event = { ...matched.event } as { -readonly [K in keyof APIGatewayProxyEvent]: APIGatewayProxyEvent[K] };
  const m = c.mutation;
  if (m.kind === 'base64-body' && event.body !== null) {
    event.body = Buffer.from(event.body).toString('base64');
    event.isBase64Encoded = true;
  } else if (m.kind === 'null-headers') {
    event.headers = null as unknown as APIGatewayProxyEvent['headers'];
    event.multiValueHeaders = null as unknown as APIGatewayProxyEvent['multiValueHeaders'];
  } else if (m.kind === 'header-case' && c.contentType !== undefined) {
    event.headers = { [m.name]: c.contentType };
  } else if (m.kind === 'direct-path-parameter' && event.pathParameters) {
    const [first] = Object.keys(event.pathParameters);
    if (first) event.pathParameters = { ...event.pathParameters, [first]: m.value };
  } else if (m.kind === 'direct-query') {
    event.queryStringParameters = Object.fromEntries(m.pairs);
  } else if (m.kind === 'foreign-route') {
    event.resource = m.resource;
  }
  return { event, family: matched.route.function };
}

// ── the oracle ─────────────────────────────────────────────────────────────────────────────

const GUID_PARAMS = new Set(['user_guid', 'member_guid', 'job_guid']);

/** What parseRequest must accept, so that a 404 naming the field is the only right answer for unknown guids. */
function fullyValid(c: FuzzCase, event: APIGatewayProxyEvent): boolean {
  if (c.mutation.kind !== 'none') return false;
  if (c.route.params && !c.route.params.safeParse(event.pathParameters ?? {}).success) return false;
  if (c.route.query && !c.route.query.safeParse(event.queryStringParameters ?? {}).success) return false;
  if (!c.route.body) return true;
  const text = event.body ?? '';
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return false;
  if (text.trim() === '') return !c.route.bodyRequired;
  if (!JSON_TYPES.includes(c.contentType ?? '')) return false;
  try {
    return c.route.body.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

function problemWith(answer: Answer, c: FuzzCase, event: APIGatewayProxyEvent): string | undefined {
  if (!Number.isInteger(answer.status) || answer.status < 200 || answer.status >= 500) return `status ${answer.status}`;
  const contentType = String(answer.headers['Content-Type'] ?? answer.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) return `content type ${contentType}`;
  if (answer.status === 204) return answer.text === '' ? undefined : 'a 204 with a body';
  let body: any;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'a body that is not JSON';
  }
  if (answer.status >= 400) {
    const error = body?.error;
    const keysOk = body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).join() === 'error';
    const shapeOk =
      keysOk &&
      error &&
      typeof error === 'object' &&
      typeof error.code === 'string' &&
      error.code.length > 0 &&
      typeof error.message === 'string' &&
      (error.field === undefined || (typeof error.field === 'string' && error.field.length > 0)) &&
      Object.keys(error).every((k) => ['code', 'message', 'field'].includes(k));
    if (!shapeOk) return 'a 4xx that is not {error:{code, message, field?}}';
  } else if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return 'a 2xx whose body is not a JSON object';
  }
  const unknownGuids = Object.entries(c.segments).filter(([name, s]) => s.tag === 'unknown' && GUID_PARAMS.has(name));
  if (unknownGuids.length > 0 && fullyValid(c, event)) {
    const field = body?.error?.field;
    if (answer.status !== 404 || !Object.keys(c.segments).includes(field))
      return `a valid request naming an unknown guid answered ${answer.status} ${shorten(body)} instead of 404 naming the field`;
  }
  return undefined;
}

// ── the properties ─────────────────────────────────────────────────────────────────────────

/** Cursors the fuzzing once found answered 500: each is a 400 now. */
export function describePagedListCursors(): void {
  describe('paged lists', () => {
    // Found by the fuzzing below: DynamoDB refuses such a start key, and the API answered 500.
    it.each([
      ['jobs', 'an empty sort key', ''],
      ['jobs', 'the lock item of the same partition', 'LOCK'],
      ['jobs', 'a sort key outside JOB#', 'ACT-1'],
      ['transactions', 'an empty sort key', ''],
      ['account_numbers', 'an empty sort key', ''],
    ] as const)(
      'refuses a %s cursor of the right partition with %s as 400 INVALID_CURSOR, not 500',
      async (list, _, sk) => {
        const member = known.idleMember;
        const pk = list === 'jobs' ? keys.jobsOfMember(member).pk : keys.resultsOfMember(member, list).pk;
        // Sealed with the stack's key, so the checks behind the seal are what refuse it.
        const cursor = sealed({ pk, sk }) as string;

        const refused = await send('GET', `/users/${known.user}/members/${member}/${list}?cursor=${cursor}`);

        expect(refused).toEqual({
          status: 400,
          body: { error: { code: 'INVALID_CURSOR', message: expect.any(String), field: 'cursor' } },
        });
      },
    );

    it('still follows a cursor the jobs list gave out', async () => {
      const first = await send('GET', `/users/${known.user}/members/${known.idleMember}/jobs?limit=1`);

      const second = await send(
        'GET',
        `/users/${known.user}/members/${known.idleMember}/jobs?limit=1&cursor=${first.body.pagination.next_cursor}`,
      );

      expect(second.status).toBe(200);
      expect(second.body.jobs.map((j: { guid: string }) => j.guid)).toEqual([known.idleJobs[0]]);
    });
  });
}

/** Fuzzes each of these routes with RUNS_PER_ROUTE generated requests. */
export function describeRouteFuzz(routes: readonly Route[]): void {
  describe('every API route, fuzzed in-process through its real handler', () => {
    const seen: Record<string, Tally> = {};

    it.each(routes.map((route) => [routeKey(route), route] as const))(
      `%s: never answers 5xx, and every refusal is {error:{code, message, field?}} (${RUNS_PER_ROUTE} cases)`,
      async (key, route) => {
        const tally = new Tally();
        seen[key] = tally;
        const { numRuns, seed, label } = fuzzParameters(key, RUNS_PER_ROUTE);
        const started = performance.now();

        await fc.assert(
          fc.asyncProperty(caseArb(route), async (c) => {
            const built = eventOf(c);
            if (!built) {
              tally.add('unrouted');
              return;
            }
            const answer = await invoke(built.event, built.family);
            tally.add(`${c.branch}:${answer.status}`);
            if (fullyValid(c, built.event)) tally.add('fully-valid');
            const problem = problemWith(answer, c, built.event);
            if (problem)
              throw new Error(
                `${key}: ${problem}\n  request: ${describeCase(c)}\n  response: ${answer.status} ${shorten(answer.text)}`,
              );
          }),
          { numRuns, seed },
        );

        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.info(`${key}: ${label} in ${seconds} s — ${tally}`);
        // The cases reached the handler, and a share of them its deeper, valid-shaped paths.
        expect(tally.get('unrouted')).toBeLessThan(RUNS_PER_ROUTE / 20);
        // At least one in fifty: a route with many query parameters (transactions) draws few fully valid ones.
        expect(tally.get('fully-valid')).toBeGreaterThanOrEqual(RUNS_PER_ROUTE / 50);
        expect(tally.total((label) => /:(2\d\d|404|409)$/.test(label))).toBeGreaterThan(RUNS_PER_ROUTE / 20);
      },
      RUNS_PER_ROUTE * 240,
    );
  });
}
