import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import type { components } from '#shared/api/generated/api-paths.js';
import type { JobType } from '#shared/contract/workflow.js';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  expectOk,
  type RecordedAnswer,
  status,
  storedItems,
  waitForJob,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * Runs every kind of scenario through the API with sentinel values (a bank password nobody
 * else uses, a wrong challenge answer) and the simulator's account and routing numbers, while
 * capturing every line the handlers write; then scans everything mxflow keeps or says — every
 * DynamoDB item, every execution history, every log line, every API response — for them.
 *
 * The sentinels must appear nowhere. Full account and routing numbers only where they belong:
 * the account_numbers result items and the API's account_numbers answers.
 */

/** An unlisted MX Bank password: the simulator connects it. */
const SENTINEL_PASSWORD = 'Sentinel-Passw0rd-7f3a';
/** A wrong answer to a TEXT challenge: the job ends MFA_REJECTED. */
const SENTINEL_ANSWER = 'Sentinel-Answer-91c2';
const CORRECT = 'correct';

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

async function scenarios(api: ApiClient): Promise<void> {
  const ofMember = (user_guid: string, member_guid: string) => ({ params: { path: { user_guid, member_guid } } });
  const postMember = (user_guid: string, member: CreateMember) =>
    api.typed.POST('/users/{user_guid}/members', { params: { path: { user_guid } }, body: { member } });
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

  const first = await createUser(api, 'sentinel-user-1');
  const second = await createUser(api, 'sentinel-user-2');

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

  // Deletion.
  outcomes.delete = (
    await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', ofMember(first, text.member))
  ).response.status;
  await api.typed.GET('/users/{user_guid}/members', { params: { path: { user_guid: first } } });
  await api.typed.GET('/users/{user_guid}/members', { params: { path: { user_guid: second } } });

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
let histories: { executionArn: string; events: HistoryEvent[] }[] = [];
let lines: string[] = [];
let loggerLevel = '';

async function allHistories(): Promise<typeof histories> {
  const result: typeof histories = [];
  for (const stateMachineArn of Object.values(h.stack.stateMachineArns)) {
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
      simulator: { seed: 'sentinels', jobDurationMs: 30_000 },
      environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false' },
    });
    // The handlers' logger, as they loaded it: the environment above must have reached it.
    loggerLevel = (await import('#shared/runtime/logger.js')).logger.getLevelName();
    await scenarios(apiClient(h.stack.endpoints.api, (answer) => responses.push(answer)));
  } finally {
    restore();
  }
  lines = logLines();
  items = await storedItems(h.stack);
  histories = await allHistories();
}, 120_000);
afterAll(async () => h?.stop());

// ── where each value may be ────────────────────────────────────────────────────────────────

const SENTINELS = [SENTINEL_PASSWORD, SENTINEL_ANSWER];
/** A number as a whole number: not part of a longer run of digits. */
const asNumber = (n: string) => new RegExp(`(?<!\\d)${n}(?!\\d)`);
const sensitiveNumbers = () => [...accountNumbers, ...routingNumbers];
/** A row of a job's account_numbers results: `RESULTS#<member>#ACCOUNT_NUMBER#<job>`. */
const isAccountNumberItem = (item: Record<string, unknown>) => /^RESULTS#[^#]+#ACCOUNT_NUMBER#/.test(String(item.pk));
const isAccountNumbersResponse = (r: RecordedAnswer) => r.method === 'GET' && /\/account_numbers(\?|$)/.test(r.path);

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

const itemTexts = (filter: (item: Record<string, unknown>) => boolean) =>
  items
    .filter(filter)
    .map((item) => ({ where: `item ${String(item.pk)} ${String(item.sk)}`, text: JSON.stringify(item) }));
const historyTexts = () =>
  histories.flatMap(({ executionArn, events }) =>
    events.map((e) => ({
      where: `${executionArn.split(':').slice(-2).join(':')} event ${e.id} ${e.type}`,
      text: JSON.stringify(e),
    })),
  );
const lineTexts = () => lines.map((line, i) => ({ where: `log line ${i}`, text: line }));
const responseTexts = (filter: (r: RecordedAnswer) => boolean) =>
  responses.filter(filter).flatMap((r) => {
    const where = `${r.method} ${r.path} → ${r.status}`;
    // As sent, and with any JSON escapes undone.
    return [
      { where, text: r.text },
      ...(r.text.startsWith('{') ? [{ where: `${where} (decoded)`, text: JSON.stringify(JSON.parse(r.text)) }] : []),
    ];
  });

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
      delete: 204,
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

  it('scanned a meaningful amount: items, histories, responses, and the numbers to look for', () => {
    const events = histories.reduce((sum, x) => sum + x.events.length, 0);
    console.info(
      `scanned ${items.length} items, ${histories.length} executions (${events} events), ${lines.length} log lines, ${responses.length} responses for ${accountNumbers.size} account and ${routingNumbers.size} routing numbers`,
    );

    expect(items.length).toBeGreaterThan(400);
    expect(items.filter(isAccountNumberItem).length).toBeGreaterThanOrEqual(2);
    expect(histories.length).toBeGreaterThanOrEqual(7);
    expect(histories.reduce((sum, x) => sum + x.events.length, 0)).toBeGreaterThan(150);
    expect(responses.length).toBeGreaterThan(40);
    expect(responses.filter(isAccountNumbersResponse).length).toBeGreaterThanOrEqual(3);
    // mxbank's numbers and the OAuth bank's tokenized ones, and each bank's routing number.
    expect(accountNumbers.size).toBeGreaterThanOrEqual(2);
    expect([...accountNumbers].some((n) => n.startsWith('9990') && n.length === 17)).toBe(true);
    expect(routingNumbers.size).toBeGreaterThanOrEqual(1);
  });

  it('keeps the sentinel password and answer out of every DynamoDB item', () => {
    expect(
      occurrences(
        itemTexts(() => true),
        SENTINELS,
      ),
    ).toEqual([]);
  });

  it('keeps the sentinel password and answer out of every execution history', () => {
    expect(occurrences(historyTexts(), SENTINELS)).toEqual([]);
  });

  it('keeps the sentinel password and answer out of every log line', () => {
    expect(occurrences(lineTexts(), SENTINELS)).toEqual([]);
  });

  it('keeps the sentinel password and answer out of every API response, refusals included', () => {
    expect(
      occurrences(
        responseTexts(() => true),
        SENTINELS,
      ),
    ).toEqual([]);
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

  it('never writes a full account or routing number to a log line or an execution history', () => {
    expect(occurrences(lineTexts(), sensitiveNumbers(), numberIn)).toEqual([]);
    expect(occurrences(historyTexts(), sensitiveNumbers(), numberIn)).toEqual([]);
  });
});
