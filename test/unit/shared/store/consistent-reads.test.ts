import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { UserStore } from '#shared/store/user-store.js';

/** A document client at the SDK boundary that records each read's command name and ConsistentRead flag. */
function readRecorder(answer: Record<string, unknown> = {}) {
  const reads: { command: string; consistent: boolean }[] = [];
  // The SDK's paginators insist on a real document client: its prototype, with `send` recorded.
  const doc: DynamoDBDocumentClient = Object.assign(Object.create(DynamoDBDocumentClient.prototype), {
    async send(command: { constructor: { name: string }; input: { ConsistentRead?: boolean } }) {
      reads.push({ command: command.constructor.name, consistent: command.input.ConsistentRead === true });
      return answer;
    },
  });
  return { doc, reads };
}

describe('reads that follow the same caller’s write', () => {
  it('reads a user strongly consistently, so one just created is never a 404', async () => {
    const { doc, reads } = readRecorder();

    await new UserStore(doc, 'T').getUser('USR-1');
    await new UserStore(doc, 'T').findByCallerId('caller-1');

    expect(reads).toEqual([
      { command: 'GetCommand', consistent: true },
      { command: 'GetCommand', consistent: true },
    ]);
  });

  it('reads a member and its user’s member list strongly consistently (the ownership check of a job start)', async () => {
    const { doc, reads } = readRecorder();
    const members = new MemberStore(doc, 'T');

    await members.getMember('USR-1', 'MBR-1');
    await members.listMembers('USR-1');

    expect(reads).toEqual([
      { command: 'GetCommand', consistent: true },
      { command: 'QueryCommand', consistent: true },
    ]);
  });

  it('reads a job and its member’s lock strongly consistently, a list page of jobs eventually', async () => {
    const { doc, reads } = readRecorder();
    const jobs = new JobStore(doc, 'T');

    await jobs.getJob('MBR-1', 'JOB-1');
    await jobs.getLock('MBR-1');
    await jobs.listJobs('MBR-1');

    expect(reads).toEqual([
      { command: 'GetCommand', consistent: true },
      { command: 'GetCommand', consistent: true },
      { command: 'QueryCommand', consistent: false },
    ]);
  });
});
