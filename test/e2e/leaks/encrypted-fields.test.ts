import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { type ApiClient, createIdleMember, ended, expectOk, status, waitForJob } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/**
 * A verification and an identification through the local stack (FetchResults encrypting with the
 * local key, as it does with KMS), then every item of the table read raw, as a Scan or a backup
 * shows it: no account or routing number and no owner's name, address, phone or email in it,
 * in plaintext or base64; the API's own routes still give them back.
 */

type MemberPath = { user_guid: string; member_guid: string };
type Raw = Record<string, AttributeValue>;

let h: WorkflowHarness;
let api: ApiClient;
let member: MemberPath;
let numbers: Record<string, unknown>[];
let owners: Record<string, unknown>[];
let items: Raw[];

async function run(
  type: 'verify' | 'identify',
  pick?: (challenge: NonNullable<JobView['challenges']>[number]) => string,
) {
  const started = expectOk(
    await api.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, { params: { path: member }, body: {} }),
    202,
  );
  if (pick) {
    const parked = await waitForJob(api, started.job, status('CHALLENGED'));
    const challenges = (parked.challenges ?? []).map((c) => ({ guid: c.guid, value: pick(c) }));
    expectOk(
      await api.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
        params: { path: { ...member, job_guid: parked.guid } },
        body: { challenges },
      }),
      202,
    );
  }
  return (await waitForJob(api, started.job, ended)).status;
}

/** Every item of the table in DynamoDB's own form (binary attributes as bytes). */
async function rawItems(): Promise<Raw[]> {
  const client = new DynamoDBClient({
    endpoint: h.stack.endpoints.dynamodb,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  try {
    const all: Raw[] = [];
    let start: Raw | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: h.stack.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      all.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return all;
  } finally {
    client.destroy();
  }
}

/** An item as DynamoDB's JSON shows it: binary values in base64. */
const wireText = (item: Raw) =>
  JSON.stringify(item, (_, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value));

/** Every binary value of an item, anywhere in it. */
function binaries(value: unknown): Buffer[] {
  if (value instanceof Uint8Array) return [Buffer.from(value)];
  if (value && typeof value === 'object') return Object.values(value).flatMap(binaries);
  return [];
}

const SECRET_NUMBER_FIELDS = ['account_number', 'routing_number'];
const SECRET_OWNER_FIELDS = ['owner_name', 'address', 'city', 'postal_code', 'phone', 'email'];

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'encrypted-fields' }, environment: API_TEST_POLLING });
  api = h.api();
  member = await createIdleMember(api);
  expect(await run('verify', (c) => String(c.options?.find((o) => /checking/i.test(o.label ?? ''))?.value))).toBe(
    'SUCCEEDED',
  );
  expect(await run('identify')).toBe('SUCCEEDED');
  const of = { params: { path: member } };
  numbers = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', of))
    .account_numbers as Record<string, unknown>[];
  owners = expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_owners', of))
    .account_owners as Record<string, unknown>[];
  items = await rawItems();
});
afterAll(async () => h?.stop());

/** The values that must not be stored readable: what the API's own routes answer. */
const secrets = () =>
  [
    ...numbers.flatMap((n) => SECRET_NUMBER_FIELDS.map((field) => n[field])),
    ...owners.flatMap((o) => SECRET_OWNER_FIELDS.map((field) => o[field])),
  ].filter((value): value is string => typeof value === 'string' && value !== '');

describe('account numbers and owners in the table', () => {
  it('are given back in plaintext by the routes that read them', () => {
    expect(numbers.length).toBeGreaterThanOrEqual(1);
    expect(numbers.every((n) => /^\d{6,17}$/.test(String(n.account_number)))).toBe(true);
    expect(numbers.every((n) => /^\d{9}$/.test(String(n.routing_number)))).toBe(true);
    expect(owners.length).toBeGreaterThanOrEqual(1);
    expect(owners.every((o) => /\w+ \w+/.test(String(o.owner_name)) && String(o.email).includes('@'))).toBe(true);
    expect(new Set(secrets()).size).toBeGreaterThanOrEqual(8);
  });

  it('appear nowhere in the raw table, neither as text nor base64 nor inside any binary value', () => {
    const found = items.flatMap((item) => {
      const text = wireText(item);
      const bytes = binaries(item);
      return secrets()
        .filter((secret) => {
          const base64 = Buffer.from(secret).toString('base64');
          return (
            text.includes(secret) ||
            text.includes(base64) ||
            text.includes(base64.replace(/=+$/, '')) ||
            bytes.some((b) => b.includes(secret))
          );
        })
        .map((secret) => `${secret} in ${item.pk?.S} ${item.sk?.S}`);
    });

    expect(items.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it('are stored as binary ciphertext in their result rows, the rows’ other fields as they were', () => {
    const rows = (kind: string) =>
      items.filter((item) => new RegExp(`^RESULTS#[^#]+#${kind}#`).test(String(item.pk?.S)));

    const numberRows = rows('ACCOUNT_NUMBER');
    const ownerRows = rows('ACCOUNT_OWNER');
    expect(numberRows.length).toBe(numbers.length);
    expect(ownerRows.length).toBe(owners.length);
    for (const row of numberRows) {
      for (const field of SECRET_NUMBER_FIELDS) expect(row[field]?.B, field).toBeInstanceOf(Uint8Array);
      expect(row.account_guid?.S).toMatch(/^ACT-/);
      expect(row.passed_validation?.BOOL).toBe(true);
    }
    for (const row of ownerRows) {
      for (const field of ['owner_name', 'address', 'phone', 'email'])
        expect(row[field]?.B, field).toBeInstanceOf(Uint8Array);
      expect(row.account_guid?.S).toMatch(/^ACT-/);
    }
  });
});
