import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningServer, listen } from '#local/http-server.js';
import { readBody } from '#local/read-body.js';
import { CALLBACK_HEADERS, verifyCallbackSignature } from '#shared/callbacks/callback-signature.js';
import { eventually } from '#test/support/eventually.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

/** One POST the fintech's receiver got: its headers, its exact body, and what it answered. */
interface Received {
  readonly signature: string | undefined;
  readonly deliveryId: string | undefined;
  readonly body: string;
  readonly answered: number;
}

let h: WorkflowHarness;
let receiver: ListeningServer;
const received: Received[] = [];
/** Whether the receiver refuses (503) a delivery, given the attempts at it it has seen before. */
let refuses: (body: ReturnType<typeof bodyOf>, earlierAttempts: number) => boolean = () => false;

beforeAll(async () => {
  receiver = await listen(
    createServer((request, response) => {
      void readBody(request).then((body) => {
        const id = request.headers[CALLBACK_HEADERS.deliveryId.toLowerCase()];
        const earlier = received.filter((r) => r.deliveryId === id).length;
        const answered = refuses(JSON.parse(body), earlier) ? 503 : 204;
        received.push({
          signature: request.headers[CALLBACK_HEADERS.signature.toLowerCase()] as string | undefined,
          deliveryId: request.headers[CALLBACK_HEADERS.deliveryId.toLowerCase()] as string | undefined,
          body,
          answered,
        });
        response.writeHead(answered).end();
      });
    }),
  );
  // 1 s of MX and Lambda retry time is 1 ms here: Lambda's retries after 1 and 2 minutes come after 60 and 120 ms.
  h = await startWorkflowHarness({
    simulator: { seed: 'callbacks', jobDurationMs: 60_000 },
    callbackUrl: `${receiver.url}/mxflow-events`,
  });
});
afterAll(async () => {
  await h?.stop();
  await receiver?.stop();
});

function bodyOf(r: Pick<Received, 'body'>): { id: string; type: string; detail: Record<string, unknown> } {
  return JSON.parse(r.body);
}
const deliveriesOf = (member: string) => received.filter((r) => bodyOf(r).detail.member_guid === member);

describe("signed callbacks to the fintech's URL", () => {
  it('POSTs every event of a job, each signed over its timestamp and exact body, with its event id', async () => {
    const user = await h.newUser();
    const member = await h.newMember(user, 'password');

    await h.finished(await h.start('aggregate', user, member));
    // The last two events of a success: the job's, and the member's data updated.
    const deliveries = await eventually(() => {
      const all = deliveriesOf(member);
      const done = all.some((r) => bodyOf(r).detail.status === 'SUCCEEDED');
      return done && all.some((r) => bodyOf(r).detail.change === 'DATA_UPDATED') ? all : undefined;
    });

    const key = String(h.stack.callbacks?.signingKey);
    expect(deliveries.map((r) => bodyOf(r).type)).toEqual(
      expect.arrayContaining(['Job Status Changed', 'Member Changed']),
    );
    for (const delivery of deliveries) {
      expect(verifyCallbackSignature(key, delivery.signature, delivery.body, new Date())).toBe(true);
      expect(delivery.deliveryId).toBe(bodyOf(delivery).id);
      expect(delivery.deliveryId).toBe(bodyOf(delivery).detail.event_id);
    }
    const [first] = deliveries;
    // A changed body, another key, or a stale timestamp is not mxflow's.
    expect(verifyCallbackSignature(key, first?.signature, `${first?.body} `, new Date())).toBe(false);
    expect(verifyCallbackSignature('another-key', first?.signature, String(first?.body), new Date())).toBe(false);
    expect(verifyCallbackSignature(key, first?.signature, String(first?.body), new Date(Date.now() + 600_000))).toBe(
      false,
    );
  });

  it('tries a refused delivery again with the same delivery id, and keeps one refused every time as a dead letter', async () => {
    const user = await h.newUser();
    const retried = await h.newMember(user, 'password');
    let refused = '';
    // The job's first event is refused twice, then taken; every event of the other member is refused.
    refuses = (body, earlier) =>
      (body.detail.member_guid === retried && body.detail.status === 'RUNNING' && earlier < 2) ||
      body.detail.member_guid === refused;
    await h.finished(await h.start('aggregate', user, retried));
    await eventually(() =>
      deliveriesOf(retried).some((r) => bodyOf(r).detail.change === 'DATA_UPDATED' && r.answered === 204)
        ? true
        : undefined,
    );

    refused = await h.newMember(user, 'denied');
    await h.finished(await h.start('aggregate', user, refused));
    const deadLetters = await eventually(() => {
      const letters = h.stack.callbacks?.target.deadLetters.filter((e) => e.detail.member_guid === refused) ?? [];
      return letters.some((e) => e.detail.status === 'FAILED') ? letters : undefined;
    }).finally(() => {
      refuses = () => false;
    });

    const first = deliveriesOf(retried).find((r) => bodyOf(r).detail.status === 'RUNNING');
    const attemptsOfFirst = deliveriesOf(retried).filter((r) => r.deliveryId === first?.deliveryId);
    expect(attemptsOfFirst.map((r) => r.answered)).toEqual([503, 503, 204]);
    const attemptsOfFailed = deliveriesOf(refused).filter((r) => bodyOf(r).detail.status === 'FAILED');
    expect(attemptsOfFailed.map((r) => r.answered)).toEqual([503, 503, 503]);
    expect(deadLetters.map((e) => e.detail.status)).toContain('FAILED');
  });
});
