import { randomUUID } from 'node:crypto';
// The CLI against the whole system on this machine, in-process: run(argv, io) is what the bin calls.
import { createServer } from 'node:net';
import { Duration } from 'aws-cdk-lib';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MxflowApiClient } from '#cli/api-client.js';
import type { CliIo } from '#cli/context.js';
import { buildProgram, run } from '#cli/mxflow.js';
import type { Prompts } from '#cli/prompt-challenges.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: string;

beforeAll(async () => {
  // Challenges wait an MX hour (3.6 s real): long enough for a test to leave one and come back.
  h = await startWorkflowHarness({
    simulator: { jobDurationMs: 150_000, challengeExpiryMs: 3_600_000 },
    challengeTimeout: Duration.hours(1),
    events: true,
  });
  api = h.stack.endpoints.api;
});
afterAll(async () => h?.stop());

const noPrompts: Prompts = {
  input: () => Promise.reject(new Error('no prompt expected')),
  password: () => Promise.reject(new Error('no prompt expected')),
  select: () => Promise.reject(new Error('no prompt expected')),
};

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...argv: string[]): Promise<Outcome> {
  return cliWith({}, ...argv);
}

/** The CLI with some of its io swapped (its environment, its API client). */
async function cliWith(overrides: Partial<CliIo>, ...argv: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: Partial<CliIo> = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    isTTY: false,
    interactive: false,
    prompts: noPrompts,
    env: {},
    ...overrides,
  };
  const code = await run(['--api', api, ...argv], io);
  return { code, stdout, stderr };
}

const json = <T>(o: Outcome): T => JSON.parse(o.stdout) as T;

async function newUserAndMember(password: string): Promise<{ user: string; member: string; out: Outcome }> {
  const created = await cli('users', 'create', '--id', `cli-${password}-${Date.now()}`, '--json');
  expect(created.code, created.stderr).toBe(0);
  const user = json<{ user: { guid: string } }>(created).user.guid;
  const out = await cli(
    'members',
    'create',
    '--user',
    user,
    '--institution',
    'mxbank',
    '--credential',
    'Username=mxuser',
    '--credential',
    `password=${password}`,
    '--skip-aggregation',
  );
  expect(out.code, out.stderr).toBe(0);
  const member = /^member\s+(MBR-\S+)$/m.exec(out.stdout)?.[1];
  expect(member).toBeDefined();
  return { user, member: String(member), out };
}

describe('mxflow, the CLI', () => {
  it('creates a user and a member, verifies through both challenges, and shows the account number masked (full only in JSON)', async () => {
    const { user, member, out } = await newUserAndMember('challenge');
    expect(out.stdout).toMatch(/institution\s+mxbank/);
    expect(out.stdout + out.stderr).not.toMatch(/challenge/i); // the password is never printed

    const verify = await cli(
      'jobs',
      'start',
      'verify',
      '--user',
      user,
      '--member',
      member,
      '--follow',
      '--poll-ms',
      '20',
      '--answer',
      'correct',
      '--answer',
      'MX Bank Checking…',
    );
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^\[\s*\d+\.\d s\] CHALLENGED/m);
    expect(verify.stdout).toContain('"What city were you born in?" (TEXT)');
    expect(verify.stdout).toMatch(/verify job JOB-\S+ SUCCEEDED after \d+\.\d s: .*\b1 account number\b/);

    const table = await cli('results', 'account_numbers', '--user', user, '--member', member);
    expect(table.code, table.stderr).toBe(0);
    const masked = /••••(\d{4})/.exec(table.stdout);
    expect(masked).not.toBeNull();
    const full = await cli('results', 'account_numbers', '--user', user, '--member', member, '--json');
    const numbers = json<{ account_numbers: { account_number: string; routing_number: string }[] }>(
      full,
    ).account_numbers;
    expect(numbers).toHaveLength(1);
    const number = String(numbers[0]?.account_number);
    expect(number).toMatch(/^\d{10}$/);
    expect(number.endsWith(String(masked?.[1]))).toBe(true);
    expect(table.stdout).not.toContain(number); // the full number only in JSON
    expect(table.stdout).toContain(String(numbers[0]?.routing_number));

    const members = await cli('members', 'list', '--user', user);
    expect(members.stdout).toContain(member);
  });

  it('shows the account’s masked number, never the TAN’s digits, and warns when a member with numbers is deleted', async () => {
    const created = await cli('users', 'create', '--id', `cli-tan-${Date.now()}`, '--json');
    const user = json<{ user: { guid: string } }>(created).user.guid;
    const oauth = await cli(
      'members',
      'create',
      '--user',
      user,
      '--institution',
      'chase_oauth_test',
      '--oauth',
      '--skip-aggregation',
      '--json',
    );
    expect(oauth.code, oauth.stderr).toBe(0);
    const { member } = json<{ member: { guid: string; oauth_window_uri: string } }>(oauth);
    expect((await fetch(member.oauth_window_uri)).status).toBe(200);
    const verify = await cli(
      'jobs',
      'start',
      'verify',
      '--user',
      user,
      '--member',
      member.guid,
      '--follow',
      '--poll-ms',
      '20',
      '--answer',
      'Test Chase (OAuth) Checking…',
    );
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const table = await cli('results', 'account_numbers', '--user', user, '--member', member.guid);
    const full = json<{ account_numbers: { account_number: string; account_guid: string; is_tokenized: boolean }[] }>(
      await cli('results', 'account_numbers', '--user', user, '--member', member.guid, '--json'),
    );
    const accounts = json<{ accounts: { guid: string; account_number: string }[] }>(
      await cli('results', 'accounts', '--user', user, '--member', member.guid, '--json'),
    );

    const [tan] = full.account_numbers;
    expect(tan?.is_tokenized).toBe(true);
    const masked = String(accounts.accounts.find((a) => a.guid === tan?.account_guid)?.account_number);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/account number\s+routing number\s+tokenized/);
    const cell = /^ACT-\S+\s+(\S+)\s+\d{9}\s+yes\s+yes$/m.exec(table.stdout)?.[1]; // number, routing, tokenized, validated
    expect(cell).toBe(`••••${masked.slice(-4)}`);
    expect(table.stdout).not.toContain(String(tan?.account_number));

    const deleted = await cli('members', 'delete', '--user', user, '--member', member.guid, '--wait');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^status\s+SUCCEEDED$/m);
    expect(deleted.stdout).toContain(`member ${member.guid}`);
    expect(deleted.stdout).toMatch(/^warning: ACCOUNT_NUMBERS_UNUSABLE: /m);
    expect(deleted.stdout).toMatch(/^warning: TOKENIZED_ACCOUNT_NUMBERS_REVOKED: .*Chase/m);
  });

  it('stops with exit 1 naming the challenge when --non-interactive has no answer; a wrong option is bad usage; a right label finishes it', async () => {
    const { user, member } = await newUserAndMember('options');
    const started = await cli('jobs', 'start', 'identify', '--user', user, '--member', member, '--json');
    expect(started.code, started.stderr).toBe(0);
    const job = json<{ job: { guid: string } }>(started).job.guid;
    const ref = ['--user', user, '--member', member, '--job', job, '--poll-ms', '20'];

    const waits = await cli('jobs', 'follow', ...ref, '--non-interactive');
    expect(waits.code).toBe(1);
    expect(waits.stderr).toMatch(
      /^mxflow: job JOB-\S+ waits for an answer to challenge 1 of 1: "Which of these was your first car\?" \(OPTIONS: Honda Civic \| Ford Mustang \| Toyota Corolla\)/,
    );
    expect(waits.stderr.trim().split('\n')).toHaveLength(1);

    const wrong = await cli('jobs', 'follow', ...ref, '--answer', 'Tesla');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--answer #1 matches none of the options of "Which of these was your first car?"');
    expect(wrong.stderr).not.toContain('Tesla');

    const done = await cli('jobs', 'follow', ...ref, '--answer', 'ford mustang', '--json');
    expect(done.code, done.stderr).toBe(0);
    expect(json<{ job: { status: string; counts: Record<string, number> } }>(done).job).toMatchObject({
      status: 'SUCCEEDED',
      counts: { account_owners: 3 },
    });
    // With --json, progress lines go to stderr and stdout is only the job.
    expect(done.stderr).toMatch(/SUCCEEDED/);

    const shown = await cli('jobs', 'show', ...ref.slice(0, 6));
    expect(shown.stdout).toMatch(/status\s+SUCCEEDED/);
    expect(shown.stdout).toMatch(/account_owners\s+3/);
  });

  /** A new user and `members create --oauth --skip-aggregation` for it at MX Bank (OAuth), with `more` options. */
  const oauthMemberCli = async (...more: string[]) => {
    const created = await cli('users', 'create', '--id', `cli-oauth-${randomUUID()}`, '--json');
    const user = json<{ user: { guid: string } }>(created).user.guid;
    const create = (...options: string[]) =>
      cli(
        'members',
        'create',
        '--user',
        user,
        '--institution',
        'mx_bank_oauth',
        '--oauth',
        '--skip-aggregation',
        ...options,
      );
    return { user, create, created: await create(...more, '--json') };
  };

  it('issues a fresh OAuth window with members oauth-window: the old link stops working, the new one connects', async () => {
    const { user, created } = await oauthMemberCli();
    const { member } = json<{ member: { guid: string; oauth_window_uri: string } }>(created);

    const appWithoutUrl = await cli('members', 'oauth-window', '--user', user, '--member', member.guid, '--app');
    const renewed = await cli('members', 'oauth-window', '--user', user, '--member', member.guid);
    const link = /Open this link to finish OAuth:\n {2}(\S+)/.exec(renewed.stdout)?.[1];
    const old = await fetch(member.oauth_window_uri);
    const opened = await fetch(String(link));

    expect(appWithoutUrl.code).toBe(2);
    expect(appWithoutUrl.stderr).toContain('--redirect-url');
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.stdout).toMatch(/Job JOB-\S+ waits for it: mxflow jobs follow/);
    expect(link).not.toBe(member.oauth_window_uri);
    expect(old.status).toBe(400);
    expect(opened.status).toBe(200);
  });

  it('creates an OAuth member for an app with members create --oauth --app (its window sends the end user back to the app), and takes a browser’s --redirect-url', async () => {
    const { create, created: app } = await oauthMemberCli('--app', '--redirect-url', 'https://app.example/connected');
    const withoutUrl = await create('--app');
    const browser = await create('--redirect-url', 'https://app.example/connected');
    const { member } = json<{ member: { guid: string; oauth_window_uri: string } }>(app);
    const opened = await fetch(member.oauth_window_uri, { redirect: 'manual' });
    const back = new URL(String(opened.headers.get('location')));

    expect(withoutUrl.code).toBe(2);
    expect(withoutUrl.stderr).toContain('--app needs --redirect-url');
    // MX's guide gives every OAuth member a client_redirect_url; MX sends only an app back to it.
    expect(browser.code, browser.stderr).toBe(0);
    expect(app.code, app.stderr).toBe(0);
    expect(opened.status).toBe(302);
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example/connected');
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ status: 'success', member_guid: member.guid });
  });

  it('prints a failed job with its reason and exits 1', async () => {
    const { user, member } = await newUserAndMember('challenge');
    const failed = await cli(
      'jobs',
      'start',
      'aggregate',
      '--user',
      user,
      '--member',
      member,
      '--follow',
      '--poll-ms',
      '20',
      '--answer',
      'wrong',
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/aggregate job JOB-\S+ FAILED after .*: MFA_REJECTED: /);
  });

  it('cancels a job with jobs cancel, then deletes its user with users delete --wait and shows the deletion', async () => {
    const { user, member } = await newUserAndMember('challenge');
    const started = await cli('jobs', 'start', 'aggregate', '--user', user, '--member', member, '--json');
    const job = json<{ job: { guid: string } }>(started).job.guid;

    const cancelled = await cli('jobs', 'cancel', '--user', user, '--member', member, '--job', job);
    const again = await cli('jobs', 'cancel', '--user', user, '--member', member, '--job', job);
    const deleted = await cli('users', 'delete', '--user', user, '--wait', '--poll-ms', '20');
    const guid = /^deletion\s+(DEL-\S+)$/m.exec(deleted.stdout)?.[1];
    const shown = await cli('deletions', 'show', String(guid), '--json');

    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^status\s+CANCELLED$/m);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('409 JOB_ENDED');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^status\s+SUCCEEDED$/m);
    expect(deleted.stdout).toMatch(/^at MX\s+deleted$/m);
    expect(json<{ deletion: { status: string; user_guid: string } }>(shown).deletion).toMatchObject({
      status: 'SUCCEEDED',
      user_guid: user,
    });
  });

  it('prints an API refusal as one line with its status and code, exit 1', async () => {
    const refused = await cli('members', 'list', '--user', 'USR-does-not-exist');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('mxflow: 404 NOT_FOUND: user was not found (user_guid)\n');
  });

  it('treats bad usage as exit 2 before any request, and an unreachable API as exit 1', async () => {
    expect((await cli('jobs', 'start', 'verify', '--user', 'nobody', '--member', 'MBR-1')).code).toBe(2);
    expect((await cli('jobs', 'start', 'refresh', '--user', 'USR-1', '--member', 'MBR-1')).code).toBe(2);
    expect(
      (await cli('results', 'accounts', '--user', 'USR-1', '--member', 'MBR-1', '--from', '2025-02-30')).code,
    ).toBe(2);
    expect((await cli('users', 'create', '--metadata', '{not json')).code).toBe(2);
    const missing = await cli(
      'members',
      'create',
      '--user',
      'USR-does-not-exist',
      '--institution',
      'mxbank',
      '--credential',
      'Username=mxuser',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --credential "Password=…"');

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve)); // a port nobody listens on
    let downErr = '';
    const down = await run(['--api', `http://127.0.0.1:${port}`, 'members', 'list', '--user', 'USR-1'], {
      out: () => {},
      err: (t) => {
        downErr += t;
      },
      interactive: false,
    });
    expect(down).toBe(1);
    expect(downErr).toMatch(
      /^mxflow: cannot reach the mxflow API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\? \(npm start\)\n$/,
    );
  });

  it('searches institutions and lists their credential fields', async () => {
    const search = await cli('institutions', 'search', 'bank', '--verification');
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/^code\s+name\s+verification/);
    expect(search.stdout).toMatch(/^mxbank\s+MX Bank\s+yes/m);
    expect(search.stdout).not.toContain('beehive_savings');
    const fields = await cli('institutions', 'credentials', 'mxbank');
    expect(fields.stdout).toMatch(/^CRD-\S+\s+Username\s+LOGIN\s+TEXT$/m);
    expect(fields.stdout).toMatch(/^CRD-\S+\s+Password\s+PASSWORD\s+PASSWORD$/m);
  });

  it('has --help with examples on every command and subcommand', async () => {
    const paths: string[][] = [];
    const walk = (cmd: Command, path: string[]) => {
      paths.push(path);
      for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
    };
    walk(
      buildProgram({ out: () => {}, err: () => {}, isTTY: false, interactive: false, prompts: noPrompts, env: {} }),
      [],
    );
    expect(paths.length).toBeGreaterThanOrEqual(14);
    for (const path of paths) {
      const help = await cli(...path, '--help');
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout, path.join(' ')).toContain('Examples:');
    }
    const top = await cli('--help');
    expect(top.stdout).toMatch(/^Usage: mxflow \[options\] \[command\]/);
    for (const command of ['users', 'institutions', 'members', 'jobs', 'results'])
      expect(top.stdout).toContain(`  ${command}`);
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 a job failed or the API refused, 2 bad usage.');
  });

  describe('following a job by events', () => {
    /** The CLI's io for following on the local bus, counting the job reads it makes. */
    function followingOnTheBus(): { io: Partial<CliIo>; reads: () => number } {
      let reads = 0;
      const io: Partial<CliIo> = {
        env: {
          AWS_ENDPOINT_URL_EVENTBRIDGE: h.stack.endpoints.eventBridge,
          AWS_ENDPOINT_URL_SQS: h.stack.endpoints.sqs,
        },
        apiClient: (url) => {
          const client = new MxflowApiClient(url);
          const readJob = client.readJob.bind(client);
          client.readJob = (...args) => {
            reads += 1;
            return readJob(...args);
          };
          return client;
        },
      };
      return { io, reads: () => reads };
    }
    const statusEventsOf = (jobGuid: string) =>
      (h.stack.eventBus?.events() ?? []).filter(
        (e) => e['detail-type'] === 'Job Status Changed' && e.detail.job_guid === jobGuid,
      );

    it('follows a verification through both challenges, reading the job only when an event says it changed, and removes its rule and queue', async () => {
      const { user, member } = await newUserAndMember('challenge');
      const { io, reads } = followingOnTheBus();

      // --poll-ms 1: were it reading on a timer, it would read the job hundreds of times.
      const verify = await cliWith(
        io,
        ...['jobs', 'start', 'verify', '--user', user, '--member', member, '--follow', '--poll-ms', '1'],
        ...['--event-bus', h.stack.eventBusName, '--answer', 'correct', '--answer', 'MX Bank Checking…'],
      );

      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stderr).toBe('');
      expect(verify.stdout).toContain('"What city were you born in?" (TEXT)');
      const job = /verify job (JOB-\S+) SUCCEEDED/.exec(verify.stdout)?.[1];
      const events = statusEventsOf(String(job));
      expect(events.map((e) => e.detail.status)).toEqual([
        'RUNNING',
        'CHALLENGED',
        'RUNNING',
        'CHALLENGED',
        'RUNNING',
        'SUCCEEDED',
      ]);
      // One read to begin with, then one for each event (or fewer, when events come together).
      expect(reads()).toBeLessThanOrEqual(events.length + 1);
      expect(h.stack.eventBus?.ruleNames()).toEqual([]);
      expect(h.stack.sqs?.queueNames()).toEqual([]);
    });

    it('says why it cannot follow a bus and follows by reading the job instead', async () => {
      const { user, member } = await newUserAndMember('password');
      const { io, reads } = followingOnTheBus();

      const aggregate = await cliWith(
        io,
        ...['jobs', 'start', 'aggregate', '--user', user, '--member', member, '--follow', '--poll-ms', '20'],
        ...['--event-bus', 'mxflow-nowhere'],
      );

      expect(aggregate.code, aggregate.stdout + aggregate.stderr).toBe(0);
      expect(aggregate.stderr).toContain('cannot follow events on bus mxflow-nowhere (ResourceNotFoundException');
      expect(aggregate.stdout).toMatch(/aggregate job JOB-\S+ SUCCEEDED/);
      expect(reads()).toBeGreaterThan(0);
      // The queue made before the bus refused the rule is gone again.
      expect(h.stack.sqs?.queueNames()).toEqual([]);
    });
  });
});
