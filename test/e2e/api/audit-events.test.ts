import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { sigv4Signer } from '#cli/sigv4.js';
import { LOCAL_ACCOUNT_ID, LOCAL_ANALYST, LOCAL_BACKEND } from '#local/api-gateway/local-principals.js';
import { type ApiClient, createIdleMember, ended, expectOk, status, waitForJob } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * Every read of account numbers or owners leaves one audit line (`message: "audit"`): the
 * caller's principal as API Gateway's IAM auth found it, the user and member, the route and how
 * many records it returned; never a number or an owner's detail.
 */

let h: WorkflowHarness;
let backend: ApiClient;
let member: { user_guid: string; member_guid: string };

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'audit-events', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  backend = h.api({ signer: sigv4Signer(LOCAL_BACKEND) });
  member = await createIdleMember(backend);
  await run('verify');
  await run('identify');
});
afterAll(async () => h?.stop());

async function run(type: 'verify' | 'identify'): Promise<void> {
  const started = expectOk(
    await backend.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, {
      params: { path: member },
      body: {},
    }),
    202,
  );
  const job = await waitForJob(backend, started.job, (j: JobView) => status('CHALLENGED')(j) || ended(j));
  if (job.status === 'CHALLENGED') {
    const [challenge] = job.challenges ?? [];
    const value = String(challenge?.options?.[0]?.value);
    expectOk(
      await backend.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
        params: { path: { ...member, job_guid: job.guid } },
        body: { challenges: [{ guid: String(challenge?.guid), value }] },
      }),
      202,
    );
  }
  expect((await waitForJob(backend, started.job, ended)).status).toBe('SUCCEEDED');
}

/** Every line written to stdout and stderr while `act` ran, as the handlers wrote them. */
async function linesWrittenDuring(act: () => Promise<void>): Promise<string[]> {
  const written: string[] = [];
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = ((chunk: unknown, ...rest: unknown[]) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    rest.find((r): r is () => void => typeof r === 'function')?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    await act();
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

const auditEvents = (lines: string[]) =>
  lines
    .map((line) => {
      try {
        return JSON.parse(line) as { message?: string; audit?: Record<string, unknown> };
      } catch {
        return {};
      }
    })
    .filter((line) => line.message === 'audit')
    .map((line) => line.audit);

/** The values of a record's fields that are the data itself (numbers, names, addresses, phones, emails). */
const SENSITIVE_FIELDS = ['account_number', 'routing_number', 'owner_name', 'address', 'email', 'phone', 'city'];
const sensitiveValues = (records: Record<string, unknown>[]) =>
  records.flatMap((r) =>
    SENSITIVE_FIELDS.map((f) => r[f]).filter((v): v is string => typeof v === 'string' && v !== ''),
  );

describe('audit events', () => {
  it('logs one event per read of account numbers or owners, with the principal, guids, route and count, and none of the data', async () => {
    const analyst = h.api({ signer: sigv4Signer(LOCAL_ANALYST) });
    const unsigned = h.api();
    const path = `/users/${member.user_guid}/members/${member.member_guid}`;
    const answers: Record<string, unknown>[] = [];
    const read = async (api: ApiClient, route: string) => {
      const answer = await api.get(`${path}/${route}`);
      expect(answer.status).toBe(200);
      answers.push(answer.body as Record<string, unknown>);
      return answer.body as Record<string, Record<string, unknown>[]>;
    };
    let counts: number[] = [];

    const lines = await linesWrittenDuring(async () => {
      const numbers = await read(backend, 'account_numbers');
      const owners = await read(analyst, 'account_owners');
      const onePage = await read(unsigned, 'account_owners?limit=1');
      await read(backend, 'accounts');
      expect(
        (
          await backend.get(
            `/users/${member.user_guid}/members/MBR-00000000-0000-0000-0000-000000000000/account_numbers`,
          )
        ).status,
      ).toBe(404);
      counts = [numbers.account_numbers!.length, owners.account_owners!.length, onePage.account_owners!.length];
    });

    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(1);
    const guids = { user_guid: member.user_guid, member_guid: member.member_guid };
    expect(auditEvents(lines)).toEqual([
      {
        principal_arn: LOCAL_BACKEND.userArn,
        caller: LOCAL_BACKEND.caller,
        account_id: LOCAL_ACCOUNT_ID,
        ...guids,
        route: 'listAccountNumbers',
        records: counts[0],
      },
      {
        principal_arn: LOCAL_ANALYST.userArn,
        caller: LOCAL_ANALYST.caller,
        account_id: LOCAL_ACCOUNT_ID,
        ...guids,
        route: 'listAccountOwners',
        records: counts[1],
      },
      // Unsigned, on this machine: the local backend's.
      {
        principal_arn: LOCAL_BACKEND.userArn,
        caller: LOCAL_BACKEND.caller,
        account_id: LOCAL_ACCOUNT_ID,
        ...guids,
        route: 'listAccountOwners',
        records: 1,
      },
    ]);
    const data = sensitiveValues(
      answers.flatMap((a) => [...((a.account_numbers as []) ?? []), ...((a.account_owners as []) ?? [])]),
    );
    expect(data.length).toBeGreaterThan(4);
    const audited = lines.filter((line) => line.includes('"audit"'));
    expect(data.filter((value) => audited.some((line) => line.includes(value)))).toEqual([]);
  });
});
