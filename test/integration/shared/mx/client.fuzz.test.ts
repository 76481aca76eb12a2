import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeForStatus, MxClient, MxError, type MxErrorCode, type MxJobType } from '#shared/mx/index.js';
import {
  anyString,
  describedAs,
  fuzzParameters,
  fuzzRuns,
  hugeString,
  nastyString,
  shorten,
  Tally,
} from '#test/support/fuzz.js';
import {
  type RecordedRequest,
  type ScriptedHttpServer,
  startScriptedHttpServer,
} from '#test/support/scripted-http-server.js';

/**
 * Property-based fuzzing of the MX client against a real HTTP server that answers whatever
 * fast-check generates: truncated JSON, HTML pages, JSON of the wrong shape (no envelope,
 * arrays for objects, numbers as strings, nulls), huge pages, bad pagination, any status from
 * 200 to 599 (3xx included), dropped sockets.
 *
 * Property: every call either returns a value of the promised shape (an object for a resource,
 * an array of objects per page for a list, a job start with a member object) or throws an
 * MxError with a known code that fits the status; never another exception, never undefined;
 * and no error carries a credential, a challenge answer or the API key MX echoed back.
 *
 * Lists retry a page that failed transiently (429, 5xx, dropped) in place; the clients here wait
 * 1 ms then 2 ms before those tries (250 ms and 500 ms by default), and list cases draw such
 * answers rarely, so the file stays fast.
 */

/**
 * Generated cases per family of operations: 150 in `npm test`; the reliability suite runs this
 * file again with MXFLOW_FUZZ_RUNS=1000 (test/reliability/vitest.config.ts). Each family's cases
 * come from its own seed (`fuzzParameters`), the same on every run of `npm test`.
 */
const RUNS_PER_FAMILY = fuzzRuns(150);
/** Requests one case may make before the server answers 400 to every further one: a guard against runaway paging. */
const REQUEST_CAP = 60;
const CREDENTIALS = { clientId: 'fuzz-client', apiKey: 'fuzz-api-key-7c1e' };

const KNOWN_CODES = new Set<MxErrorCode>([
  'MX_BAD_REQUEST',
  'MX_UNAUTHORIZED',
  'MX_FORBIDDEN',
  'MX_IP_NOT_ALLOWED',
  'MX_FEATURE_NOT_ENABLED',
  'MX_NOT_FOUND',
  'MX_NOT_ALLOWED',
  'MX_NOT_ACCEPTABLE',
  'MX_CONFLICT',
  'MX_UNPROCESSABLE',
  'MX_RATE_LIMITED',
  'MX_SERVER_ERROR',
  'MX_UNEXPECTED_STATUS',
  'MX_TIMEOUT',
  'MX_NETWORK',
  'MX_INVALID_RESPONSE',
  'MX_INVALID_REQUEST',
]);

// ── the scripted server ────────────────────────────────────────────────────────────────────

/** One answer of the server: a status, headers and a body, or a socket dropped before or during it. */
interface Scripted {
  readonly kind: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  readonly fate?: 'drop' | 'short-body';
  /** Echo the request's secret values back in an error message (the client must cut them out). */
  readonly echoSecrets?: boolean;
}

let server: ScriptedHttpServer;
let clients: { platform: MxClient; atrium: MxClient };
/** The current case's answers, in order; the last one repeats. */
let script: readonly Scripted[] = [];
let served = 0;
let secretsOfCase: readonly string[] = [];
/** Whether a redirect last in the script repeats (a loop fetch gives up on after 20 hops). */
let loopRedirects = true;

function answer(_request: RecordedRequest, response: ServerResponse): void {
  served += 1;
  if (served > REQUEST_CAP) {
    // A refusal nothing retries: the case ends at once.
    response.writeHead(400, { 'Content-Type': 'application/json' });
    response.end('{"error":{"message":"request cap of the fuzz server"}}');
    return;
  }
  const a = script[Math.min(served - 1, script.length - 1)] as Scripted;
  if (served > script.length && a.kind.endsWith(':redirect') && !loopRedirects) {
    // A redirect that led nowhere, once: lists retry a failed page, so a loop would cost seconds.
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end('{"error":{"message":"nothing here"}}');
    return;
  }
  if (a.fate === 'drop') {
    response.socket?.destroy();
    return;
  }
  const body = a.echoSecrets
    ? JSON.stringify({ error: { message: `rejected: ${secretsOfCase.join(' and ')} (${CREDENTIALS.apiKey})` } })
    : a.body;
  if (a.fate === 'short-body') {
    // Announces more than it sends, then closes: a connection dropped mid-answer.
    response.writeHead(a.status, { ...a.headers, 'Content-Length': String(Buffer.byteLength(body) + 100) });
    response.write(body);
    response.socket?.destroy();
    return;
  }
  response.writeHead(a.status, a.headers);
  response.end(a.status === 204 || a.status === 304 ? undefined : body);
}

beforeAll(async () => {
  server = await startScriptedHttpServer(answer);
  // A time limit generous for a loaded machine: no case here waits for it. Page retries wait
  // 1 ms, not 250: the retries' order and count are under test, not their pace.
  const options = { baseUrl: server.url, ...CREDENTIALS, timeoutMs: 1_500, pageRetryBaseMs: 1 };
  clients = { platform: new MxClient(options), atrium: new MxClient({ ...options, dialect: 'atrium' }) };
});
afterAll(async () => server?.close());

// ── generated answers ──────────────────────────────────────────────────────────────────────

const oneOfWeighted = <T>(...entries: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * Statuses, weighted. `transient` weighs 429 and 5xx: a list retries a page that failed so in
 * place, so list cases get few of them to keep the file fast.
 */
const statusArb = (transient: number) =>
  oneOfWeighted<number>(
    [24, fc.constant(200)],
    [6, fc.constantFrom(201, 202, 203, 206)],
    [4, fc.constant(204)],
    [2, fc.constantFrom(300, 301, 302, 303, 304, 307, 308)],
    [6, fc.constantFrom(400, 401, 403, 404, 405, 406, 409, 410, 418, 422, 451)],
    [transient, fc.constantFrom(429, 500, 501, 502, 503, 504, 599)],
    [2, fc.integer({ min: 200, max: 599 }).filter((status) => transient > 1 || (status !== 429 && status < 500))],
  );

const guidValue = oneOfWeighted<unknown>(
  [6, fc.uuid().map((u) => `ABC-${u}`)],
  [1, fc.constantFrom(null, 42, '', true, ['x'], { guid: 'x' })],
);
/** An MX record: a guid (usually a string) and any other fields. */
const recordArb = fc
  .tuple(
    fc.option(guidValue, { nil: undefined, freq: 6 }),
    fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  )
  .map(([guid, rest]) => (guid === undefined ? rest : { ...rest, guid }));
const count = fc.nat({ max: 50 });
const paginationArb = fc.record({
  current_page: count,
  per_page: count,
  total_entries: fc.nat({ max: 10_000 }),
  total_pages: fc.nat({ max: 6 }),
});
const oddNumber = fc.constantFrom<unknown>(
  '3',
  '1',
  -1,
  1.5,
  null,
  NaN,
  1e21,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  true,
  [],
  {},
);

/** Valid answers for a resource under `key`, and many ways of getting it wrong. */
function resourceBody(key: string): fc.Arbitrary<unknown> {
  return oneOfWeighted<unknown>(
    [6, recordArb.map((r) => ({ [key]: r }))],
    // A job start's member: most_recent_job_guid of every type.
    [
      2,
      fc
        .tuple(recordArb, fc.constantFrom<unknown>('JOB-1', null, 123, '', ['JOB-1'], { guid: 'JOB-1' }, undefined))
        .map(([r, job]) => ({ [key]: { ...r, most_recent_job_guid: job } })),
    ],
    [1, recordArb], // no envelope
    [1, recordArb.map((r) => ({ [key]: [r] }))], // array for an object
    [1, fc.constantFrom<unknown>(null, [], {}, 0, '', 'ok', true).map((v) => ({ [key]: v }))],
    [1, recordArb.map((r) => ({ [`${key}s`]: r }))], // the wrong key
    [1, recordArb.map((r) => ({ [key]: { ...r, guid: 12345 } }))], // a number for a string
    [1, fc.jsonValue({ maxDepth: 3 })],
  );
}

/** Valid pages of `key`, and pages with everything wrong that a list can get wrong. */
function listBody(key: string): fc.Arbitrary<unknown> {
  const items = fc.array(recordArb, { maxLength: 12 });
  return oneOfWeighted<unknown>(
    [6, fc.record({ [key]: items, pagination: paginationArb })],
    [1, items.map((list) => ({ [key]: list }))], // no pagination
    [
      1,
      fc.record({
        [key]: fc.array(fc.constantFrom<unknown>(null, 1, 'x', [], true), { minLength: 1, maxLength: 3 }),
        pagination: paginationArb,
      }),
    ],
    [1, fc.record({ [key]: items, pagination: fc.constantFrom<unknown>(null, [], 'x', 3) })],
    [
      2,
      fc
        .tuple(
          items,
          paginationArb,
          fc.constantFrom('current_page', 'per_page', 'total_entries', 'total_pages'),
          oddNumber,
        )
        .map(([list, p, field, bad]) => ({ [key]: list, pagination: { ...p, [field]: bad } })),
    ],
    // Paging that never ends: every page full, a huge page count.
    [
      1,
      fc
        .tuple(fc.array(recordArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 100, max: 2 ** 31 }))
        .map(([list, pages]) => ({
          [key]: list,
          pagination: {
            current_page: 1,
            per_page: list.length,
            total_entries: pages * list.length,
            total_pages: pages,
          },
        })),
    ],
    [
      1,
      recordArb.map((r) => ({
        [key]: r,
        pagination: { current_page: 1, per_page: 1, total_entries: 1, total_pages: 1 },
      })),
    ], // object for an array
    [1, fc.constantFrom<unknown>(null, [], {}, 'x').map((v) => ({ [key]: v }))],
    [1, items], // a bare array
    // A huge page.
    [
      1,
      fc.integer({ min: 2_000, max: 5_000 }).map((n) => ({
        [key]: Array.from({ length: n }, (_, i) => ({ guid: `X-${i}`, name: 'n'.repeat(20) })),
        pagination: { current_page: 1, per_page: n, total_entries: n, total_pages: 1 },
      })),
    ],
    [1, fc.jsonValue({ maxDepth: 3 })],
  );
}

const HTML_PAGES = [
  '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
  '<!DOCTYPE html><html><body>Maintenance</body></html>',
  '<?xml version="1.0"?><error>busy</error>',
];

/** Text of a body: JSON of a shape, cut short, HTML, empty, bytes that are not UTF-8, huge. */
type Body = { kind: string; body: string | Buffer; headers: Record<string, string> };
function bodyText(shape: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  const json = shape.map((v) => JSON.stringify(v) ?? 'null');
  return oneOfWeighted<Body>(
    [10, json.map((body) => ({ kind: 'json', body, headers: JSON_TYPE }))],
    [
      3,
      json.chain((t) =>
        fc
          .nat({ max: Math.max(0, t.length - 1) })
          .map((cut) => ({ kind: 'truncated', body: t.slice(0, cut), headers: JSON_TYPE })),
      ),
    ],
    [
      2,
      fc.constantFrom(...HTML_PAGES).map((body) => ({ kind: 'html', body, headers: { 'Content-Type': 'text/html' } })),
    ],
    [1, fc.constant({ kind: 'empty', body: '', headers: JSON_TYPE })],
    [1, json.map((t) => ({ kind: 'bom', body: `\uFEFF${t}`, headers: JSON_TYPE }))],
    [
      1,
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
        kind: 'bytes',
        body: Buffer.from(bytes),
        headers: { 'Content-Type': 'application/octet-stream' },
      })),
    ],
    [
      1,
      fc
        .oneof(nastyString(), anyString(40))
        .map((body) => ({ kind: 'text', body, headers: { 'Content-Type': 'text/plain' } })),
    ],
    [
      1,
      fc
        .constantFrom('null', '[]', '{}', '0', '"member"', 'true')
        .map((body) => ({ kind: 'bare-json', body, headers: JSON_TYPE })),
    ],
    [
      1,
      hugeString(300_000).map((s) => ({
        kind: 'huge-string',
        body: JSON.stringify({ error: { message: s }, member: { guid: 'MBR-1', name: s } }),
        headers: JSON_TYPE,
      })),
    ],
  );
}

/** Answers for one operation; `lean` keeps transient failures (retried after a wait by lists) rare. */
function scriptedArb(shape: fc.Arbitrary<unknown>, lean: boolean): fc.Arbitrary<Scripted> {
  const normal = fc.tuple(statusArb(lean ? 1 : 8), bodyText(shape)).map(([status, b]): Scripted => {
    const headers: Record<string, string> = { ...b.headers };
    if (status === 429) headers['Retry-After'] = lean ? '0' : '1';
    return { kind: `${status}:${b.kind}`, status, headers, body: b.body };
  });
  const redirect = fc
    .constantFrom(301, 302, 303, 307, 308)
    .map((status): Scripted => ({ kind: `${status}:redirect`, status, headers: { Location: '/elsewhere' }, body: '' }));
  // Retry-After values a list would wait for (1e9 s is capped at 5 s) only where nothing retries.
  const retryAfter = fc
    .constantFrom(
      ...(lean
        ? ['0', 'Wed, 21 Oct 2015 07:28:00 GMT']
        : ['0', '-5', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', '1e9', '']),
    )
    .map(
      (value): Scripted => ({ kind: '429:retry-after', status: 429, headers: { 'Retry-After': value }, body: '{}' }),
    );
  const echo = fc
    .constantFrom(400, 422, 409, ...(lean ? [] : [500]))
    .map((status): Scripted => ({ kind: `${status}:echo`, status, headers: JSON_TYPE, body: '', echoSecrets: true }));
  const fate = fc
    .constantFrom<'drop' | 'short-body'>('drop', 'short-body')
    .map((f): Scripted => ({ kind: f, status: 200, headers: JSON_TYPE, body: '{"member":{"guid":"MBR-1"}}', fate: f }));
  // No silence here: each would cost the client's whole time limit (client-wire.test.ts covers it).
  return lean
    ? oneOfWeighted<Scripted>([80, normal], [2, redirect], [1, retryAfter], [4, echo], [1, fate])
    : oneOfWeighted<Scripted>([30, normal], [1, redirect], [1, retryAfter], [2, echo], [1, fate]);
}

// ── operations ─────────────────────────────────────────────────────────────────────────────

type Outcome = { readonly value: unknown } | { readonly error: unknown };
type Check = (value: unknown) => string | undefined;

interface Operation {
  readonly name: string;
  /** What the server's well-formed answer looks like. */
  readonly shape: fc.Arbitrary<unknown>;
  /** Values sent that must never come back out in an error. */
  readonly secrets: readonly string[];
  run(client: MxClient): Promise<unknown>;
  check: Check;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const guidOk = (r: Record<string, unknown>) => !('guid' in r) || r.guid === null || typeof r.guid === 'string';

const objectResult: Check = (v) =>
  !isObject(v)
    ? `resolved with ${shorten(v)}, not an object`
    : !guidOk(v)
      ? `a guid that is not a string: ${shorten(v.guid)}`
      : undefined;

function pageCheck(page: unknown): string | undefined {
  if (!isObject(page)) return `a page that is not an object: ${shorten(page)}`;
  const items = page.items;
  if (!Array.isArray(items)) return `page items that are not an array: ${shorten(items)}`;
  const bad = items.findIndex((item) => !isObject(item));
  if (bad >= 0) return `item ${bad} is not an object: ${shorten(items[bad])}`;
  const numbers =
    'pagination' in page ? Object.values(page.pagination as object) : [page.page, page.totalPages, page.totalEntries];
  if (!numbers.every(isCount)) return `page counts that are not whole numbers: ${shorten(numbers)}`;
  return undefined;
}

const SECRET = 'S3cret-Credential-9d2f';
const ANSWER = 'S3cret-Answer-4b81';

const resource = (name: string, key: string, run: Operation['run'], secrets: string[] = []): Operation => ({
  name,
  shape: resourceBody(key),
  secrets,
  run,
  check: objectResult,
});

const RESOURCE_OPERATIONS: Operation[] = [
  resource('createUser', 'user', (c) => c.createUser({ id: 'u-1', metadata: 'm' })),
  resource('readUser', 'user', (c) => c.readUser('USR-1')),
  resource('readMember', 'member', (c) => c.readMember('USR-1', 'MBR-1')),
  resource('readMemberStatus', 'member', (c) => c.readMemberStatus('USR-1', 'MBR-1')),
  resource(
    'updateMember',
    'member',
    (c) => c.updateMember('USR-1', 'MBR-1', { credentials: [{ guid: 'CRD-1', value: SECRET }] }),
    [SECRET],
  ),
  resource('resumeMember', 'member', (c) => c.resumeMember('USR-1', 'MBR-1', [{ guid: 'CRD-2', value: ANSWER }]), [
    ANSWER,
  ]),
  resource('requestWidgetUrl', 'widget_url', (c) => c.requestWidgetUrl('USR-1', { widget_type: 'connect_widget' })),
  {
    name: 'createMember',
    shape: resourceBody('member'),
    secrets: [SECRET],
    run: (c) =>
      c.createMember('USR-1', {
        member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1', value: SECRET }] },
      }),
    check: (v) =>
      isObject(v)
        ? (objectResult(v.member) ?? (isCount(v.httpStatus) ? undefined : 'no httpStatus'))
        : `resolved with ${shorten(v)}`,
  },
];

/** Walks at most `maxPages` pages of a list, checking each. */
async function walk(pages: AsyncIterable<unknown>, maxPages = 4): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const page of pages) {
    seen.push(page);
    if (seen.length >= maxPages) break;
  }
  return seen;
}
const pagesResult: Check = (v) => (Array.isArray(v) ? v.map(pageCheck).find(Boolean) : `resolved with ${shorten(v)}`);
const itemsResult: Check = (v) =>
  !Array.isArray(v)
    ? `resolved with ${shorten(v)}, not an array`
    : v.findIndex((i) => !isObject(i)) >= 0
      ? `an item that is not an object: ${shorten(v)}`
      : undefined;

const LIST_OPERATIONS: Operation[] = [
  {
    name: 'listInstitutionsPage',
    shape: listBody('institutions'),
    secrets: [],
    run: (c) => c.listInstitutionsPage({ name: 'mx' }, 1, 25),
    check: pageCheck,
  },
  {
    name: 'listMemberAccounts',
    shape: listBody('accounts'),
    secrets: [],
    run: (c) => walk(c.listMemberAccounts('USR-1', 'MBR-1')),
    check: pagesResult,
  },
  {
    name: 'listTransactionsByAccount',
    shape: listBody('transactions'),
    secrets: [],
    run: (c) => walk(c.listTransactionsByAccount('USR-1', 'ACT-1', { fromDate: '2024-01-01' })),
    check: pagesResult,
  },
  {
    name: 'listAccountOwnersByMember',
    shape: listBody('account_owners'),
    secrets: [],
    run: (c) => walk(c.listAccountOwnersByMember('USR-1', 'MBR-1')),
    check: pagesResult,
  },
  {
    name: 'listAccountNumbersByMember',
    shape: listBody('account_numbers'),
    secrets: [],
    run: (c) => walk(c.listAccountNumbersByMember('USR-1', 'MBR-1')),
    check: pagesResult,
  },
  {
    name: 'listUsers',
    shape: listBody('users'),
    secrets: [],
    run: (c) => walk(c.listUsers({ id: 'u-1' })),
    check: pagesResult,
  },
  // These collect every page: a page count that never ends meets the fuzz server's request cap.
  {
    name: 'listInstitutionCredentials',
    shape: listBody('credentials'),
    secrets: [],
    run: (c) => c.listInstitutionCredentials('mxbank'),
    check: itemsResult,
  },
  {
    name: 'listMemberChallenges',
    shape: listBody('challenges'),
    secrets: [],
    run: (c) => c.listMemberChallenges('USR-1', 'MBR-1'),
    check: itemsResult,
  },
];

function jobStartOperation(type: MxJobType, previousJobGuid: string | null | undefined): Operation {
  return {
    name: `startJob(${type}, previous ${String(previousJobGuid)})`,
    shape: resourceBody('member'),
    secrets: [],
    run: (c) =>
      c.startJob(type, 'USR-1', 'MBR-1', {
        includeTransactions: true,
        callbackPayload: 'job:JOB-1',
        ...(previousJobGuid === undefined ? {} : { previousJobGuid }),
      }),
    check: (v) => {
      if (!isObject(v)) return `resolved with ${shorten(v)}`;
      const problem = objectResult(v.member);
      if (problem) return `member: ${problem}`;
      if (!(typeof v.httpStatus === 'number' && v.httpStatus >= 200 && v.httpStatus < 300))
        return `httpStatus ${shorten(v.httpStatus)}`;
      if (typeof v.alreadyRunning !== 'boolean') return `alreadyRunning ${shorten(v.alreadyRunning)}`;
      if (v.jobGuid !== undefined && typeof v.jobGuid !== 'string')
        return `jobGuid is ${shorten(v.jobGuid)}, not a string or undefined`;
      return undefined;
    },
  };
}
const JOB_START_OPERATIONS: Operation[] = (['aggregate', 'verify', 'identify'] as const).flatMap((type) =>
  [undefined, null, 'JOB-1'].map((previous) => jobStartOperation(type, previous)),
);

// ── the oracle ─────────────────────────────────────────────────────────────────────────────

function problemWith(outcome: Outcome, op: Operation, lastStatus: number | undefined): string | undefined {
  if ('value' in outcome) return op.check(outcome.value);
  const { error } = outcome;
  if (!(error instanceof MxError))
    return `threw ${error instanceof Error ? `${error.name}: ${error.message}` : shorten(error)}, not an MxError`;
  if (!KNOWN_CODES.has(error.code)) return `an unknown code ${error.code}`;
  if (typeof error.message !== 'string' || typeof error.retryable !== 'boolean')
    return 'an MxError without message or retryable';
  if (error.status !== undefined) {
    const expected =
      error.status >= 200 && error.status < 300 ? 'MX_INVALID_RESPONSE' : codeForStatus(error.status, error.mxMessage);
    if (error.code !== expected) return `status ${error.status} reported as ${error.code}, expected ${expected}`;
    if (lastStatus !== undefined && error.status !== lastStatus)
      return `status ${error.status} reported, the server answered ${lastStatus}`;
  }
  const leaked = [...op.secrets, CREDENTIALS.apiKey].filter(
    (secret) =>
      error.message.includes(secret) ||
      String(error.mxMessage ?? '').includes(secret) ||
      JSON.stringify(error.toJSON()).includes(secret),
  );
  if (leaked.length > 0) return `the error carries ${leaked.join(', ')}: ${error.message}`;
  return undefined;
}

interface Case {
  readonly op: Operation;
  readonly dialect: 'platform' | 'atrium';
  readonly answers: readonly Scripted[];
}

function caseArb(operations: Operation[], lean: boolean): fc.Arbitrary<Case> {
  // One answers arbitrary per operation, built once: building is far slower than drawing.
  const answers = new Map(
    operations.map((op) => [op, fc.array(scriptedArb(op.shape, lean), { minLength: 1, maxLength: 4 })]),
  );
  return fc
    .constantFrom(...operations)
    .chain((op) =>
      fc.record({
        op: fc.constant(op),
        dialect: fc.constantFrom<'platform' | 'atrium'>('platform', 'atrium'),
        answers: answers.get(op) as fc.Arbitrary<Scripted[]>,
      }),
    )
    .map((c) =>
      describedAs(
        c,
        (x) =>
          `${x.op.name} [${x.dialect}] answers: ${x.answers.map((a) => `${a.kind} ${shorten(a.body.toString(), 200)}`).join(' | ')}`,
      ),
    );
}

// ── the properties ─────────────────────────────────────────────────────────────────────────

describe('job starts', () => {
  // Found by the fuzzing below: the client answered such a value as the MX job guid.
  it.each([[123], [['JOB-1']], [{ guid: 'JOB-1' }], [true]])(
    'refuses a member whose most_recent_job_guid is %j as MX_INVALID_RESPONSE',
    async (recent) => {
      script = [
        {
          kind: 'fixed',
          status: 202,
          headers: JSON_TYPE,
          body: JSON.stringify({ member: { guid: 'MBR-1', most_recent_job_guid: recent } }),
        },
      ];
      served = 0;

      const failure = await clients.platform.startJob('aggregate', 'USR-1', 'MBR-1').then(
        () => undefined,
        (error: unknown) => error,
      );

      expect(failure).toBeInstanceOf(MxError);
      expect(failure).toMatchObject({ code: 'MX_INVALID_RESPONSE', status: 202, retryable: false });
    },
  );

  it('still answers a string or null most_recent_job_guid', async () => {
    script = [
      {
        kind: 'fixed',
        status: 202,
        headers: JSON_TYPE,
        body: JSON.stringify({ member: { guid: 'MBR-1', most_recent_job_guid: 'JOB-7' } }),
      },
    ];
    served = 0;
    const started = await clients.platform.startJob('aggregate', 'USR-1', 'MBR-1', { previousJobGuid: 'JOB-7' });
    script = [
      {
        kind: 'fixed',
        status: 202,
        headers: JSON_TYPE,
        body: JSON.stringify({ member: { guid: 'MBR-1', most_recent_job_guid: null } }),
      },
    ];
    served = 0;
    const none = await clients.platform.startJob('identify', 'USR-1', 'MBR-1');

    expect(started).toMatchObject({ jobGuid: 'JOB-7', alreadyRunning: true, httpStatus: 202 });
    expect(none).toMatchObject({ jobGuid: undefined, alreadyRunning: false });
  });
});

describe('the MX client, against malformed MX answers from a scripted HTTP server', () => {
  it.each([
    ['resource reads and writes', RESOURCE_OPERATIONS, false],
    ['list pages', LIST_OPERATIONS, true],
    ['job starts', JOB_START_OPERATIONS, false],
  ] as const)(
    '%s: return the promised shape or throw an MxError with a known code that fits the status, never anything else',
    async (family, operations, lean) => {
      const { numRuns, seed, label } = fuzzParameters(family, RUNS_PER_FAMILY);
      const started = performance.now();
      const outcomes = new Tally();
      let capped = 0;

      await fc.assert(
        fc.asyncProperty(caseArb([...operations], lean), async (c) => {
          script = c.answers;
          served = 0;
          secretsOfCase = c.op.secrets;
          loopRedirects = !lean;
          const outcome: Outcome = await c.op.run(clients[c.dialect]).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if (served > REQUEST_CAP) capped += 1;
          const last = served > REQUEST_CAP ? 400 : c.answers[Math.min(served, c.answers.length) - 1];
          const redirectedNowhere =
            lean &&
            served > c.answers.length &&
            last !== undefined &&
            typeof last !== 'number' &&
            last.kind.endsWith(':redirect');
          const lastStatus =
            typeof last === 'number'
              ? last
              : redirectedNowhere
                ? 404
                : last && !last.fate && !/redirect/.test(last.kind)
                  ? last.status
                  : undefined;
          outcomes.add('value' in outcome ? 'value' : outcome.error instanceof MxError ? outcome.error.code : 'other');
          const problem = problemWith(outcome, c.op, lastStatus);
          if (problem) throw new Error(`${c.op.name}: ${problem}`);
        }),
        { numRuns, seed },
      );

      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.info(
        `${family}: ${label} in ${seconds} s — ${outcomes}${capped ? ` — ${capped} case(s) hit the request cap of ${REQUEST_CAP}` : ''}`,
      );
      // Both sides of the property were exercised: shapes that pass, and failures of many kinds.
      expect(outcomes.get('value')).toBeGreaterThan(RUNS_PER_FAMILY / 10);
      expect(outcomes.get('MX_INVALID_RESPONSE')).toBeGreaterThan(RUNS_PER_FAMILY / 20);
      expect(outcomes.get('other')).toBe(0);
    },
    120_000,
  );
});
