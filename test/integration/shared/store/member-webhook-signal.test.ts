import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#shared/store/keys.js';
import { MemberWebhookSignal } from '#shared/store/member-webhook-signal.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let signal: MemberWebhookSignal;
const NOW = Date.parse('2026-12-05T12:00:00Z');
let members = 0;

beforeAll(async () => {
  table = await freshTable('member-webhook-signal');
  signal = new MemberWebhookSignal(table.doc, table.tableName);
});
afterAll(() => table?.client.destroy());

/** A member locked by a running job, as a job start leaves it. */
async function lockedMember(expiresAt = NOW / 1000 + 3600): Promise<string> {
  members += 1;
  const member = `MBR-${members}`;
  await table.doc.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.memberLock(member), job_guid: 'JOB-1', job_type: 'aggregate', expires_at: expiresAt },
    }),
  );
  return member;
}

describe('MemberWebhookSignal: no webhook is lost between a status read and the wait after it', () => {
  it("hands a waiting job's token to a webhook until it was sent: the next webhook finds none", async () => {
    const member = await lockedMember();

    const waiting = await signal.awaitWebhook(member, 'JOB-1', 'token-1', NOW);
    const first = await signal.noteWebhook(member, new Date(NOW + 1_000));
    const unsentAgain = await signal.noteWebhook(member, new Date(NOW + 1_500));
    await signal.tokenSent(member, 'token-1');
    const afterSent = await signal.noteWebhook(member, new Date(NOW + 2_000));

    expect(waiting).toBe(true);
    expect(first).toEqual({ jobRunning: true, taskToken: 'token-1' });
    expect(unsentAgain).toEqual({ jobRunning: true, taskToken: 'token-1' });
    expect(afterSent).toEqual({ jobRunning: true });
  });

  it("takes off only the token it sent, never a newer wait's", async () => {
    const member = await lockedMember();
    await signal.awaitWebhook(member, 'JOB-1', 'token-old', NOW);
    await signal.noteWebhook(member, new Date(NOW + 1_000));
    await signal.awaitWebhook(member, 'JOB-1', 'token-new', NOW + 2_000);

    await signal.tokenSent(member, 'token-old');

    expect(await signal.noteWebhook(member, new Date(NOW + 3_000))).toEqual({
      jobRunning: true,
      taskToken: 'token-new',
    });
  });

  it('refuses the wait when a webhook came after the read began, and takes it when the webhook came before', async () => {
    const member = await lockedMember();
    await signal.noteWebhook(member, new Date(NOW + 5_000));

    const afterRead = await signal.awaitWebhook(member, 'JOB-1', 'token-2', NOW);
    const beforeRead = await signal.awaitWebhook(member, 'JOB-1', 'token-3', NOW + 6_000);

    expect(afterRead).toBe(false);
    expect(beforeRead).toBe(true);
  });

  it("refuses a first wait (no read yet) once any webhook came since the job took the member, and another job's wait", async () => {
    const member = await lockedMember();
    const quiet = await lockedMember();
    await signal.noteWebhook(member, new Date(NOW));

    expect(await signal.awaitWebhook(member, 'JOB-1', 'token-4', 0)).toBe(false);
    expect(await signal.awaitWebhook(quiet, 'JOB-1', 'token-5', 0)).toBe(true);
    expect(await signal.awaitWebhook(quiet, 'JOB-other', 'token-6', NOW)).toBe(false);
  });

  it("keeps the wait's token in an item of its own, never on the lock, and hands out no earlier job's token", async () => {
    const member = await lockedMember();
    await signal.awaitWebhook(member, 'JOB-1', 'token-7', NOW);
    const read = (key: { pk: string; sk: string }) =>
      table.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));

    const { Item: lock } = await read(keys.memberLock(member));
    const { Item: token } = await read(keys.webhookWaitToken(member));
    // The member's next job takes the lock while the ended job's token is still there.
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.memberLock(member), job_guid: 'JOB-2', job_type: 'aggregate', expires_at: NOW / 1000 + 3600 },
      }),
    );

    expect(JSON.stringify(lock)).not.toContain('token-7');
    expect(token).toMatchObject({ pk: `TASKTOKEN#${member}`, task_token: 'token-7', job_guid: 'JOB-1' });
    expect(await signal.noteWebhook(member, new Date(NOW + 1_000))).toEqual({ jobRunning: true });
  });

  it('finds no job on a member without a lock, or with a lock past its expiry', async () => {
    const expired = await lockedMember(NOW / 1000 - 1);

    expect(await signal.noteWebhook('MBR-never-locked', new Date(NOW))).toEqual({ jobRunning: false });
    expect(await signal.noteWebhook(expired, new Date(NOW))).toEqual({ jobRunning: false });
  });

  it('finds the job through the last second of its lock, as a job start still sees the member held', async () => {
    const lastSecond = await lockedMember(NOW / 1000);

    expect(await signal.noteWebhook(lastSecond, new Date(NOW + 500))).toMatchObject({ jobRunning: true });
  });
});
