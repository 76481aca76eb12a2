import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import type { DeliveredEvent } from '#local/event-bus.js';
import type { components } from '#shared/api/generated/api-paths.js';
import { ENV, type JobType } from '#shared/contract/workflow.js';
import {
  type ApiClient,
  credentialsFor,
  deletionEnded,
  ended,
  expectOk,
  type RecordedAnswer,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { eventually } from '#test/support/eventually.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * Runs every kind of scenario through the API with sentinel values (a bank password nobody
 * else uses, a wrong challenge answer, mxflow's own MX API key, users' emails and metadata, a
 * member's metadata) and the simulator's account and routing numbers and account owners, while
 * capturing every line the handlers write and every event put on the bus; then scans everything
 * mxflow keeps or says — every DynamoDB item (raw), every execution history, every log line,
 * every event, every API response — for each value as is, in base64 (standard and url-safe) and
 * URL-encoded.
 *
 * Secrets must appear nowhere. Personal data only in the answers of the routes that return it
 * (see SENTINELS): never readable in DynamoDB, a history, a log line or an event.
 */

/** An unlisted MX Bank password: the simulator connects it. */
const SENTINEL_PASSWORD = 'Sentinel-Passw0rd-7f3a';
/** A wrong answer to a TEXT challenge: the job ends MFA_REJECTED. */
const SENTINEL_ANSWER = 'Sentinel-Answer-91c2';
const CORRECT = 'correct';
/** mxflow's own MX API key: the simulator's, so the local MX secret's `api_key`. */
const SENTINEL_API_KEY = 'Sentinel-MxApiKey-5d0e8a';
/** The email and metadata each user is created with. */
const userFields = (n: number) => ({
  email: `sentinel.user${n}@sentinel-mail.example`,
  metadata: `sentinel-user-metadata-${n}-4b8e`,
});
const USERS = [1, 2, 3].map(userFields);
/** The metadata every member is created with. */
const SENTINEL_MEMBER_METADATA = 'sentinel-member-metadata-c27d';

let h: WorkflowHarness;

// ── capturing what the handlers write ──────────────────────────────────────────────────────

/** Every chunk written to stdout and stderr while the scenarios ran (Powertools writes one line per chunk). */
const written: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };

/** Captures writes instead of printing them (DEBUG logs of a whole run are only noise in the test output). */
function captureOutput(): () => void {
  const capture = (stream: NodeJS.WriteStream) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    }) as typeof stream.write;
  process.stdout.write = capture(process.stdout);
  process.stderr.write = capture(process.stderr);
  return () => {
    process.stdout.write = originalWrites.stdout;
    process.stderr.write = originalWrites.stderr;
  };
}

const logLines = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** Every answer the API gave during the scenarios, as raw text. */
const responses: RecordedAnswer[] = [];

// ── the scenarios ──────────────────────────────────────────────────────────────────────────

type Job = JobView;
type Challenge = NonNullable<Job['challenges']>[number];
type CreateMember = components['schemas']['CreateMemberBody']['member'];

/** How each scenario ended, asserted below. */
const outcomes: Record<string, unknown> = {};
/** Account and routing numbers the simulator handed out. */
const accountNumbers = new Set<string>();
const routingNumbers = new Set<string>();
/** The account owners' names, addresses, phones and emails the simulator handed out. */
const ownerValues = new Set<string>();
const OWNER_FIELDS = ['owner_name', 'address', 'phone', 'email'] as const;

async function scenarios(api: ApiClient): Promise<void> {
  const ofMember = (user_guid: string, member_guid: string) => ({ params: { path: { user_guid, member_guid } } });
  // Every member with the sentinel metadata, and an Idempotency-Key: its answer is kept to be replayed.
  const postMember = (user_guid: string, member: CreateMember) =>
    api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid }, header: { 'Idempotency-Key': crypto.randomUUID() } },
      body: { member: { metadata: SENTINEL_MEMBER_METADATA, ...member } },
    });
  const postUser = async (id: string, fields: (typeof USERS)[number]) =>
    expectOk(await api.typed.POST('/users', { body: { user: { id, ...fields } } }), 201).user.guid;

  const connect = async (user: string, password: string, skip: boolean) => {
    const credentials = await credentialsFor(api, password);
    const created = await postMember(user, { institution_code: 'mxbank', credentials, skip_aggregation: skip });
    const { member, job } = expectOk(created, 201);
    return { member: member.guid, job };
  };
  const start = async (user: string, member: string, type: JobType) => {
    const started = await api.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, {
      ...ofMember(user, member),
      body: {},
    });
    return expectOk(started, 202).job;
  };
  const answerWith = (job: Job, challenges: { guid: string; value: string }[]) =>
    api.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
      params: { path: { user_guid: job.user_guid, member_guid: job.member_guid, job_guid: job.guid } },
      body: { challenges },
    });
  const answer = async (job: Job, value: (challenge: Challenge) => string) => {
    const parked = await waitForJob(api, job, status('CHALLENGED'));
    const challenges = parked.challenges ?? [];
    expectOk(
      await answerWith(
        job,
        challenges.map((c) => ({ guid: c.guid, value: value(c) })),
      ),
      202,
    );
    return challenges;
  };
  const checking = (c: Challenge) => String(c.options?.find((o) => /checking/i.test(String(o.label)))?.value);
  const done = (job: Job) => waitForJob(api, job, ended);
  const readResults = async (user: string, member: string) => {
    const of = ofMember(user, member);
    await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', of);
    await api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', {
      params: { ...of.params, query: { limit: 1000 } },
    });
    await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', of);
    await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_owners', of);
    await api.typed.GET('/users/{user_guid}/members/{member_guid}/jobs', of);
    await api.typed.GET('/users/{user_guid}/members/{member_guid}', of);
  };

  const first = await postUser('sentinel-user-1', USERS[0]!);
  const second = await postUser('sentinel-user-2', USERS[1]!);
  // Read back: the one route besides the create that may show a user's email and metadata.
  await api.typed.GET('/users/{user_guid}', { params: { path: { user_guid: first } } });

  // Aggregation: a member connected with the sentinel password, followed from MX's first aggregation.
  const sentinel = await connect(first, SENTINEL_PASSWORD, false);
  outcomes.aggregate = (await done(sentinel.job!)).status;
  // Verification through the account-selection challenge, then its account numbers.
  const verify = await start(first, sentinel.member, 'verify');
  const selection = await answer(verify, checking);
  outcomes.verify = { status: (await done(verify)).status, label: selection[0]?.label };
  const numbers = await api.typed.GET(
    '/users/{user_guid}/members/{member_guid}/account_numbers',
    ofMember(first, sentinel.member),
  );
  outcomes.accountNumbers = expectOk(numbers).account_numbers.length;
  await readResults(first, sentinel.member);

  // Identification through a TEXT challenge answered right.
  const text = await connect(first, 'challenge', true);
  const identify = await start(first, text.member, 'identify');
  const textChallenge = await answer(identify, () => CORRECT);
  outcomes.identify = { status: (await done(identify)).status, type: textChallenge[0]?.type };
  await readResults(first, text.member);
  // The owners the simulator gave out, asked of MX directly (the member is deleted below).
  for await (const page of h.mx.listAccountOwnersByMember(first, text.member)) {
    for (const owner of page.items) {
      for (const field of OWNER_FIELDS) if (owner[field]) ownerValues.add(String(owner[field]));
    }
  }

  // A wrong answer (the sentinel), then new credentials (the sentinel password) and the aggregation that follows.
  const wrong = await connect(second, 'challenge', true);
  const rejected = await start(second, wrong.member, 'aggregate');
  await answer(rejected, () => SENTINEL_ANSWER);
  outcomes.wrongAnswer = (await done(rejected)).error?.code;
  const update = await api.typed.PUT('/users/{user_guid}/members/{member_guid}', {
    ...ofMember(second, wrong.member),
    body: { member: { credentials: await credentialsFor(api, SENTINEL_PASSWORD) } },
  });
  outcomes.update = (await done(expectOk(update, 202).job!)).status;
  // The sentinel answer posted again, to a job that no longer waits: refused.
  outcomes.lateAnswer = (await answerWith(rejected, [{ guid: 'CRD-1', value: SENTINEL_ANSWER }])).response.status;

  // OAuth: the job waits for the end user, who opens the window; then a verification (tokenized numbers).
  const oauth = expectOk(await postMember(second, { institution_code: 'chase_oauth_test', is_oauth: true }), 201);
  const waiting = await waitForJob(api, oauth.job!, status('ACTION_REQUIRED'));
  expect((await fetch(String(waiting.oauth_window_uri))).status).toBe(200);
  outcomes.oauth = (await done(oauth.job!)).status;
  const oauthMember = oauth.member.guid;
  const oauthVerify = await start(second, oauthMember, 'verify');
  await answer(oauthVerify, checking);
  outcomes.oauthVerify = (await done(oauthVerify)).status;
  await readResults(second, oauthMember);
  await readResults(second, wrong.member);

  // Refusals that hold the sentinel in their request: MX's (credentials at an OAuth-only institution) and the API's.
  outcomes.refusedAtMx = (
    await postMember(second, {
      institution_code: 'mx_bank_oauth',
      credentials: [{ guid: 'CRD-1', value: SENTINEL_PASSWORD }],
    })
  ).response.status;
  // Raw: a credential with a label breaks the document on purpose.
  outcomes.refusedByApi = (
    await api.post(`/users/${second}/members`, {
      member: {
        institution_code: 'mxbank',
        credentials: [{ guid: 'CRD-1', value: SENTINEL_PASSWORD, label: SENTINEL_PASSWORD }],
      },
    })
  ).status;
  // Raw: the typed client sends only well-formed JSON.
  outcomes.refusedMalformed = (
    await api.send('POST', `/users/${second}/members`, {
      raw: `{"member":{"credentials":[{"value":"${SENTINEL_PASSWORD}"`,
      headers: { 'Content-Type': 'application/json' },
    })
  ).status;

  // Deletions: a member's, then a whole user's with an aggregated member; each followed to its end.
  const memberDeletion = expectOk(
    await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', ofMember(first, text.member)),
    202,
  );
  outcomes.delete = (await deletionEnded(api, memberDeletion.deletion.guid)).status;
  await api.typed.GET('/users/{user_guid}/members', { params: { path: { user_guid: first } } });
  await api.typed.GET('/users/{user_guid}/members', { params: { path: { user_guid: second } } });
  const third = await postUser('sentinel-user-3', USERS[2]!);
  const doomed = await connect(third, SENTINEL_PASSWORD, false);
  await done(doomed.job!);
  await readResults(third, doomed.member);
  const userDeletion = expectOk(
    await api.typed.DELETE('/users/{user_guid}', { params: { path: { user_guid: third } } }),
    202,
  );
  outcomes.deleteUser = (await deletionEnded(api, userDeletion.deletion.guid)).status;
  lastJob = doomed.job!.guid;

  // The numbers the simulator gave out, asked of MX directly as well as read through the API.
  for (const [user, member] of [
    [first, sentinel.member],
    [second, oauthMember],
  ] as const) {
    for await (const page of h.mx.listAccountNumbersByMember(user, member)) {
      for (const n of page.items) {
        if (n.account_number) accountNumbers.add(n.account_number);
        if (n.routing_number) routingNumbers.add(n.routing_number);
      }
    }
  }
  for (const r of responses.filter((x) => x.path.endsWith('/account_numbers') && x.status === 200)) {
    for (const n of JSON.parse(r.text).account_numbers as { account_number?: string; routing_number?: string }[]) {
      if (n.account_number) accountNumbers.add(n.account_number);
      if (n.routing_number) routingNumbers.add(n.routing_number);
    }
  }
}

// ── what is scanned ────────────────────────────────────────────────────────────────────────

let items: Record<string, unknown>[] = [];
let events: readonly DeliveredEvent[] = [];
/** The job whose end is the last event the publisher puts: the scan waits for it. */
let lastJob = '';
let histories: { executionArn: string; events: HistoryEvent[] }[] = [];
let lines: string[] = [];
let loggerLevel = '';

async function allHistories(): Promise<typeof histories> {
  const result: typeof histories = [];
  // Every job type's state machine, and the deletion workflow's.
  const deletionMachine = String(process.env[ENV.deletionStateMachineArn]);
  for (const stateMachineArn of [...Object.values(h.stack.stateMachineArns), deletionMachine]) {
    let nextToken: string | undefined;
    do {
      const page = h.stack.stepFunctions.listExecutions({
        stateMachineArn,
        maxResults: 100,
        ...(nextToken ? { nextToken } : {}),
      });
      for (const execution of page.executions ?? []) {
        const executionArn = String(execution.executionArn);
        const events: HistoryEvent[] = [];
        let eventsToken: string | undefined;
        do {
          const history = await h.stack.stepFunctions.getExecutionHistory({
            executionArn,
            maxResults: 1000,
            ...(eventsToken ? { nextToken: eventsToken } : {}),
          });
          events.push(...(history.events ?? []));
          eventsToken = history.nextToken;
        } while (eventsToken);
        result.push({ executionArn, events });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return result;
}

beforeAll(async () => {
  const restore = captureOutput();
  try {
    // DEBUG logs and real EMF metric lines: everything the handlers would write in AWS, and more.
    h = await startWorkflowHarness({
      simulator: { seed: 'sentinels', jobDurationMs: 30_000, apiKey: SENTINEL_API_KEY },
      events: true,
      environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false' },
    });
    // The handlers' logger, as they loaded it: the environment above must have reached it.
    loggerLevel = (await import('#shared/runtime/logger.js')).logger.getLevelName();
    await scenarios(h.api({ onAnswer: (answer) => responses.push(answer) }));
  } finally {
    restore();
  }
  lines = logLines();
  items = await storedItems(h.stack);
  histories = await allHistories();
  // The bus's events arrive from the table's stream, after the API answered.
  const bus = h.stack.eventBus;
  events = await eventually(
    () => {
      const put = bus?.events() ?? [];
      return put.some((e) => e.detail.job_guid === lastJob && e.detail.status === 'SUCCEEDED') && put;
    },
    { describe: () => `${bus?.events().length ?? 0} events, none of job ${lastJob} SUCCEEDED` },
  );
}, 180_000);
afterAll(async () => h?.stop());

// ── where each value may be ────────────────────────────────────────────────────────────────

/** A number as a whole number: not part of a longer run of digits. */
const asNumber = (n: string) => new RegExp(`(?<!\\d)${n}(?!\\d)`);
const sensitiveNumbers = () => [...accountNumbers, ...routingNumbers];
/** A row of a job's account_numbers results: `RESULTS#<member>#ACCOUNT_NUMBER#<job>`. */
const isAccountNumberItem = (item: Record<string, unknown>) => /^RESULTS#[^#]+#ACCOUNT_NUMBER#/.test(String(item.pk));
const isAccountNumbersResponse = (r: RecordedAnswer) => r.method === 'GET' && /\/account_numbers(\?|$)/.test(r.path);
const isAccountOwnersResponse = (r: RecordedAnswer) => r.method === 'GET' && /\/account_owners(\?|$)/.test(r.path);
/** The user routes that answer the user itself: its create and its read. */
const isUserResponse = (r: RecordedAnswer) =>
  (r.method === 'POST' && r.path === '/users') || (r.method === 'GET' && /^\/users\/[^/?]+$/.test(r.path));
/** The member routes that answer members: create, read, list, update. */
const isMemberResponse = (r: RecordedAnswer) =>
  ['POST', 'GET', 'PUT'].includes(r.method) && /^\/users\/[^/]+\/members(\/[^/?]+)?(\?|$)/.test(r.path);
const noResponse = () => false;

/**
 * A value as it may be written: as is, URL-encoded, and base64 (standard and url-safe) at each
 * of the three byte offsets it can start at inside longer encoded text (the characters its
 * neighbours share left out).
 */
function writtenForms(value: string): string[] {
  const base64 = [0, 1, 2].map((offset) => {
    const encoded = Buffer.from(`${'\0'.repeat(offset)}${value}`, 'utf8').toString('base64');
    const end = Math.floor(((offset + Buffer.byteLength(value)) * 8) / 6);
    return encoded.slice(Math.ceil((offset * 8) / 6), end);
  });
  const urlSafe = base64.map((b) => b.replaceAll('+', '-').replaceAll('/', '_'));
  return [...new Set([value, encodeURIComponent(value), ...base64, ...urlSafe])];
}

/** Where in `texts` any of `values` occurs: `[where, value]` pairs, for a readable failure. */
function occurrences(
  texts: { where: string; text: string }[],
  values: string[],
  match: (text: string, value: string) => boolean = (t, v) => t.includes(v),
): string[] {
  return texts.flatMap(({ where, text }) =>
    values
      .filter((v) => match(text, v))
      .map((v) => `${v} in ${where}: ${text.slice(Math.max(0, text.indexOf(v) - 120), text.indexOf(v) + 120)}`),
  );
}
const numberIn = (text: string, n: string) => asNumber(n).test(text);

/** Binary attributes as their bytes: a value stored as binary is as readable as a string. */
const bytesAsText = (_key: string, value: unknown) =>
  value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value;
const itemTexts = (filter: (item: Record<string, unknown>) => boolean) =>
  items
    .filter(filter)
    .map((item) => ({ where: `item ${String(item.pk)} ${String(item.sk)}`, text: JSON.stringify(item, bytesAsText) }));
const historyTexts = () =>
  histories.flatMap(({ executionArn, events }) =>
    events.map((e) => ({
      where: `${executionArn.split(':').slice(-2).join(':')} event ${e.id} ${e.type}`,
      text: JSON.stringify(e),
    })),
  );
const lineTexts = () => lines.map((line, i) => ({ where: `log line ${i}`, text: line }));
const eventTexts = () => events.map((e) => ({ where: `event ${e['detail-type']} ${e.id}`, text: JSON.stringify(e) }));
const responseTexts = (filter: (r: RecordedAnswer) => boolean) =>
  responses.filter(filter).flatMap((r) => {
    const where = `${r.method} ${r.path} → ${r.status}`;
    // As sent, and with any JSON escapes undone.
    return [
      { where, text: r.text },
      ...(r.text.startsWith('{') ? [{ where: `${where} (decoded)`, text: JSON.stringify(JSON.parse(r.text)) }] : []),
    ];
  });

/** The values looked for, and the API answers that may show them (to their owner's caller); none may show a secret. */
const SENTINELS = [
  {
    what: 'the bank password and the wrong answer',
    values: () => [SENTINEL_PASSWORD, SENTINEL_ANSWER],
    shownBy: noResponse,
  },
  { what: 'mxflow’s MX API key', values: () => [SENTINEL_API_KEY], shownBy: noResponse },
  {
    what: 'the account owners’ names, addresses, phones and emails',
    values: () => [...ownerValues],
    shownBy: isAccountOwnersResponse,
  },
  {
    what: 'the users’ emails and metadata',
    values: () => USERS.flatMap((u) => [u.email, u.metadata]),
    shownBy: isUserResponse,
  },
  { what: 'the members’ metadata', values: () => [SENTINEL_MEMBER_METADATA], shownBy: isMemberResponse },
];
/** What mxflow keeps or says besides its answers: none of it may hold a sentinel, in any written form. */
const KEPT = [
  { where: 'DynamoDB item (raw)', texts: () => itemTexts(() => true) },
  { where: 'execution history', texts: historyTexts },
  { where: 'log line', texts: lineTexts },
  { where: 'event on the bus', texts: eventTexts },
];

describe('sentinel values through every scenario', () => {
  it('ran every scenario to the end it was meant to reach', () => {
    expect(outcomes).toEqual({
      aggregate: 'SUCCEEDED',
      verify: { status: 'SUCCEEDED', label: 'Please select an account:' },
      accountNumbers: 1,
      identify: { status: 'SUCCEEDED', type: 'TEXT' },
      wrongAnswer: 'MFA_REJECTED',
      update: 'SUCCEEDED',
      lateAnswer: 409,
      oauth: 'SUCCEEDED',
      oauthVerify: 'SUCCEEDED',
      refusedAtMx: 400,
      refusedByApi: 400,
      refusedMalformed: 400,
      delete: 'SUCCEEDED',
      deleteUser: 'SUCCEEDED',
    });
  });

  it('captured the handlers’ own lines, Logger’s (DEBUG level) and Metrics’ EMF, so the scans below can fail', () => {
    const logged = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(logged.some((l) => l.message === 'workflow step done')).toBe(true);
    expect(logged.some((l) => l.message === 'request done' && l.route === 'POST /users/{user_guid}/members')).toBe(
      true,
    );
    expect(logged.some((l) => l.message === 'execution ended')).toBe(true);
    expect(logged.some((l) => typeof l._aws === 'object' && JSON.stringify(l).includes('JobsStarted'))).toBe(true);
    expect(logged.length).toBeGreaterThan(150);
    expect(loggerLevel).toBe('DEBUG');
  });

  it('scanned a meaningful amount: items, histories (the deletions’ too), events, responses, and the values to look for', () => {
    const historyEvents = histories.reduce((sum, x) => sum + x.events.length, 0);
    console.info(
      `scanned ${items.length} items, ${histories.length} executions (${historyEvents} events), ${lines.length} log lines, ${events.length} bus events, ${responses.length} responses for ${accountNumbers.size} account and ${routingNumbers.size} routing numbers and ${ownerValues.size} owner values`,
    );

    expect(items.length).toBeGreaterThan(100);
    expect(items.filter(isAccountNumberItem).length).toBeGreaterThanOrEqual(2);
    expect(histories.length).toBeGreaterThanOrEqual(9);
    expect(histories.filter((x) => x.executionArn.includes('-deletion:')).length).toBe(2);
    expect(historyEvents).toBeGreaterThan(150);
    expect(events.length).toBeGreaterThan(20);
    expect(responses.length).toBeGreaterThan(40);
    expect(responses.filter(isAccountNumbersResponse).length).toBeGreaterThanOrEqual(3);
    // mxbank's numbers and the OAuth bank's tokenized ones, and each bank's routing number.
    expect(accountNumbers.size).toBeGreaterThanOrEqual(2);
    expect([...accountNumbers].some((n) => n.startsWith('9990') && n.length === 17)).toBe(true);
    expect(routingNumbers.size).toBeGreaterThanOrEqual(1);
    // A name, a street address, a phone and an email at least.
    expect(ownerValues.size).toBeGreaterThanOrEqual(OWNER_FIELDS.length);
  });

  describe.each(SENTINELS)('$what', ({ values, shownBy }) => {
    it.each(KEPT)('are in no $where, in any written form', ({ texts }) => {
      expect(occurrences(texts(), values().flatMap(writtenForms))).toEqual([]);
    });

    it('are in no API answer, refusals included, but those of the routes that return them', () => {
      expect(
        occurrences(
          responseTexts((r) => !shownBy(r)),
          values().flatMap(writtenForms),
        ),
      ).toEqual([]);
      // …where they are, as the caller gave or MX told them.
      const shown = responseTexts(shownBy);
      if (shownBy !== noResponse) for (const v of values()) expect(occurrences(shown, [v])).not.toEqual([]);
    });
  });

  it('stores no full account or routing number readable in any DynamoDB item: the account_numbers items hold them encrypted', () => {
    const kept = items.filter(isAccountNumberItem);

    expect(
      occurrences(
        itemTexts(() => true),
        sensitiveNumbers(),
        numberIn,
      ),
    ).toEqual([]);
    // …and they are there, as ciphertext (test/e2e/leaks/encrypted-fields.test.ts reads them raw).
    expect(kept.length).toBeGreaterThanOrEqual(2);
    for (const item of kept) expect(item.account_number).toBeInstanceOf(Uint8Array);
  });

  it('shows full account and routing numbers only in the API’s account_numbers answers', () => {
    const shown = responseTexts(isAccountNumbersResponse);

    expect(
      occurrences(
        responseTexts((r) => !isAccountNumbersResponse(r)),
        sensitiveNumbers(),
        numberIn,
      ),
    ).toEqual([]);
    for (const n of accountNumbers) expect(shown.some(({ text }) => numberIn(text, n))).toBe(true);
  });

  it('never writes a full account or routing number to a log line, an execution history or an event', () => {
    expect(occurrences(lineTexts(), sensitiveNumbers(), numberIn)).toEqual([]);
    expect(occurrences(historyTexts(), sensitiveNumbers(), numberIn)).toEqual([]);
    expect(occurrences(eventTexts(), sensitiveNumbers(), numberIn)).toEqual([]);
  });
});
