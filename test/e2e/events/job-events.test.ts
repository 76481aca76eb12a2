import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '#local/event-bus.js';
import { eventSchemaFile } from '#shared/events/generate-event-schemas.js';
import { MXFLOW_EVENTS, type MxflowEventType } from '#shared/events/mxflow-events.js';
import { eventually } from '#test/support/eventually.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  // Jobs last 150 s of MX time (150 ms here).
  h = await startWorkflowHarness({ simulator: { seed: 'job-events', jobDurationMs: 150_000 }, events: true });
});
afterAll(async () => h?.stop());

/** Each event validated against its committed JSON Schema, as a subscriber would. */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validators = Object.fromEntries(
  (Object.keys(MXFLOW_EVENTS) as MxflowEventType[]).map((type) => [
    type,
    ajv.compile(JSON.parse(readFileSync(eventSchemaFile(type), 'utf8'))),
  ]),
);

const SENTINEL_PASSWORD = 'S3ntinel-Events-Passw0rd!';

/** The bus's events about one member, once `until` holds for them (they arrive asynchronously). */
async function eventsOf(member: string, until: (events: DeliveredEvent[]) => boolean): Promise<DeliveredEvent[]> {
  const ofMember = () => (h.stack.eventBus?.events() ?? []).filter((e) => e.detail.member_guid === member);
  return eventually(() => until(ofMember()) && ofMember(), {
    describe: () => `events of ${member} so far: ${JSON.stringify(ofMember())}`,
  });
}
const jobStatuses = (events: DeliveredEvent[]) =>
  events.filter((e) => e['detail-type'] === 'Job Status Changed').map((e) => e.detail.status);

describe("mxflow's events on its bus", () => {
  it('publishes every status of a verification: RUNNING, CHALLENGED with guids and types only, RUNNING, SUCCEEDED with counts', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, SENTINEL_PASSWORD);
    const started = await h.start('verify', user, member);
    const parked = await h.waitForJob(started, (job) => job.status === 'CHALLENGED');
    const selection = parked.challenges?.[0];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
    await h.answer(parked, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    await h.finished(started);

    const events = await eventsOf(member, (all) => jobStatuses(all).includes('SUCCEEDED'));

    expect(jobStatuses(events)).toEqual(['RUNNING', 'CHALLENGED', 'RUNNING', 'SUCCEEDED']);
    const challenged = events.find((e) => e.detail.status === 'CHALLENGED');
    expect(challenged?.detail).toMatchObject({
      job_guid: started.job.job_guid,
      job_type: 'verify',
      previous_status: 'RUNNING',
      challenges: [{ guid: selection?.guid, type: selection?.type }],
    });
    expect(events.find((e) => e.detail.status === 'SUCCEEDED')?.detail).toMatchObject({
      counts: { accounts: 3, account_numbers: 1 },
    });
    expect(events.filter((e) => e['detail-type'] === 'Member Changed').map((e) => e.detail.change)).toContain(
      'DATA_UPDATED',
    );
    expect(events.some((e) => e['detail-type'] === 'Member Changed' && e.detail.needs_end_user === true)).toBe(true);
    for (const event of events) {
      expect(validators[event['detail-type']]?.(event), JSON.stringify(validators[event['detail-type']]?.errors)).toBe(
        true,
      );
    }
    // Ids, statuses and counts only: no password, no challenge text or option, no account number.
    const text = JSON.stringify(events);
    expect(text).not.toContain(SENTINEL_PASSWORD);
    expect(text).not.toContain(String(selection?.label));
    expect(text).not.toContain(String(checking?.label));
    expect(text).not.toMatch(/account_number"|routing_number"|task_token/);
  });

  it('publishes a failed job with its reason, and the member needing its end user', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'denied');
    const started = await h.start('aggregate', user, member);
    await h.finished(started);

    const events = await eventsOf(member, (all) => jobStatuses(all).includes('FAILED'));

    expect(events.find((e) => e.detail.status === 'FAILED')?.detail).toMatchObject({
      status: 'FAILED',
      reason: 'CREDENTIALS_INVALID',
      connection_status: 'DENIED',
    });
    expect(
      events.find((e) => e['detail-type'] === 'Member Changed' && e.detail.connection_status === 'DENIED')?.detail,
    ).toMatchObject({ change: 'CONNECTION_STATUS', needs_end_user: true, job_guid: started.job.job_guid });
    for (const event of events) expect(validators[event['detail-type']]?.(event)).toBe(true);
  });
});
