import { describe, expect, it } from 'vitest';
import { eventsOfChange } from '#shared/events/events-of-change.js';
import { JobStatusChanged, MemberChanged } from '#shared/events/mxflow-events.js';

const job = {
  pk: 'MEMBER#MBR-1',
  sk: 'JOB#JOB-1',
  job_guid: 'JOB-1',
  type: 'verify',
  user_guid: 'USR-1',
  member_guid: 'MBR-1',
  status: 'RUNNING',
  connection_status: 'CREATED',
  history: [],
  created_at: '2026-12-05T12:00:00.000Z',
  updated_at: '2026-12-05T12:00:00.000Z',
};
const at = (seconds: number) => new Date(Date.parse('2026-12-05T12:00:00.000Z') + seconds * 1000).toISOString();

describe('eventsOfChange', () => {
  it('publishes a job status change with what it means, and nothing for a change of anything else', () => {
    const failed = {
      ...job,
      status: 'FAILED',
      connection_status: 'DENIED',
      error: { code: 'CREDENTIALS_INVALID', message: '…' },
      task_token: 'never-published',
      updated_at: at(5),
    };

    const events = eventsOfChange({ sequenceNumber: '100', eventName: 'MODIFY', oldImage: job, newImage: failed });
    const nothing = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'MODIFY',
      oldImage: job,
      newImage: { ...job, updated_at: at(9) },
    });

    expect(events).toEqual([
      {
        detailType: 'Job Status Changed',
        detail: {
          version: '1',
          event_id: '100-0',
          job_guid: 'JOB-1',
          job_type: 'verify',
          user_guid: 'USR-1',
          member_guid: 'MBR-1',
          status: 'FAILED',
          previous_status: 'RUNNING',
          connection_status: 'DENIED',
          reason: 'CREDENTIALS_INVALID',
          occurred_at: at(5),
        },
      },
      {
        detailType: 'Member Changed',
        detail: {
          version: '1',
          event_id: '100-1',
          user_guid: 'USR-1',
          member_guid: 'MBR-1',
          change: 'CONNECTION_STATUS',
          connection_status: 'DENIED',
          needs_end_user: true,
          job_guid: 'JOB-1',
          occurred_at: at(5),
        },
      },
    ]);
    expect(nothing).toEqual([]);
    expect(JSON.stringify(events)).not.toContain('never-published');
  });

  it("publishes a new job, a CHALLENGED one's challenges by guid and type, and a success as the member's data updated", () => {
    const created = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'INSERT',
      newImage: { ...job, connection_status: null },
    });
    const challenged = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'MODIFY',
      oldImage: job,
      newImage: {
        ...job,
        status: 'CHALLENGED',
        connection_status: 'CHALLENGED',
        challenges_ref: { round: 'r1', chunks: 1, asked: [{ guid: 'CRD-1', type: 'OPTIONS' }] },
      },
    });
    const succeeded = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'MODIFY',
      oldImage: { ...job, connection_status: 'CONNECTED' },
      newImage: { ...job, status: 'SUCCEEDED', connection_status: 'CONNECTED', counts: { accounts: 3 } },
    });

    expect(created.map((e) => [e.detailType, e.detail])).toEqual([
      ['Job Status Changed', expect.objectContaining({ status: 'RUNNING', previous_status: null })],
    ]);
    expect(challenged[0]?.detail).toMatchObject({
      status: 'CHALLENGED',
      challenges: [{ guid: 'CRD-1', type: 'OPTIONS' }],
    });
    expect(challenged[1]?.detail).toMatchObject({ change: 'CONNECTION_STATUS', needs_end_user: true });
    expect(succeeded.map((e) => e.detail)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', counts: { accounts: 3 } }),
      expect.objectContaining({ change: 'DATA_UPDATED', connection_status: 'CONNECTED', needs_end_user: false }),
    ]);
    for (const event of [...created, ...challenged, ...succeeded]) {
      const schema = event.detailType === 'Job Status Changed' ? JobStatusChanged : MemberChanged;
      expect(schema.safeParse(event.detail).success).toBe(true);
    }
  });

  it("publishes a member's connection status read after a webhook, and not a member's other changes", () => {
    const member = {
      pk: 'USER#USR-1',
      sk: 'MEMBER#MBR-1',
      guid: 'MBR-1',
      user_guid: 'USR-1',
      connection_status: 'CONNECTED',
      updated_at: at(0),
    };

    const denied = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'MODIFY',
      oldImage: member,
      newImage: { ...member, connection_status: 'DENIED', connection_status_at: at(60) },
    });
    const renamed = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'MODIFY',
      oldImage: member,
      newImage: { ...member, metadata: 'x' },
    });
    const lock = eventsOfChange({
      sequenceNumber: '100',
      eventName: 'INSERT',
      newImage: { pk: 'MEMBER#MBR-1', sk: 'LOCK', job_guid: 'JOB-1' },
    });

    expect(denied.map((e) => e.detail)).toEqual([
      {
        version: '1',
        event_id: '100-0',
        user_guid: 'USR-1',
        member_guid: 'MBR-1',
        change: 'CONNECTION_STATUS',
        connection_status: 'DENIED',
        needs_end_user: true,
        occurred_at: at(60),
      },
    ]);
    expect(renamed).toEqual([]);
    expect(lock).toEqual([]);
  });
});
