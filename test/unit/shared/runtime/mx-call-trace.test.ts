import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MxCallRecord } from '#shared/mx/index.js';
import { traceMxCall } from '#shared/runtime/mx-call-trace.js';
import { tracer } from '#shared/runtime/tracer.js';

/**
 * Lambda's segment exists only in Lambda: the handler's segment here is the one Tracer hands out
 * when tracing is off, a real X-Ray subsegment that is never sent.
 */
function handlerSegment() {
  const segment = tracer.getSegment();
  if (!segment) throw new Error('Tracer gave no segment');
  vi.spyOn(tracer, 'getSegment').mockReturnValue(segment);
  return segment;
}
afterEach(() => vi.restoreAllMocks());

const call = (outcome: Partial<MxCallRecord>): MxCallRecord => ({
  operation: 'aggregateMember',
  method: 'POST',
  pathTemplate: '/users/{user_guid}/members/{member_guid}/aggregate',
  durationMs: 250,
  ...outcome,
});

/** What X-Ray would receive for the subsegment. */
const sent = (segment: ReturnType<typeof handlerSegment>) =>
  JSON.parse(JSON.stringify(segment.subsegments ?? [])) as Record<string, unknown>[];

describe('tracing MX calls', () => {
  it('adds a closed subsegment named for the MX operation, spanning the call, with its status', () => {
    const segment = handlerSegment();

    traceMxCall(call({ status: 202 }));

    const [traced] = sent(segment);
    expect(traced).toMatchObject({
      name: 'MX aggregateMember',
      namespace: 'remote',
      annotations: { mxOperation: 'aggregateMember', mxStatus: 202 },
      metadata: {
        default: { request: { method: 'POST', pathTemplate: '/users/{user_guid}/members/{member_guid}/aggregate' } },
      },
    });
    expect(Number(traced?.end_time) - Number(traced?.start_time)).toBeCloseTo(0.25, 1);
    expect(traced).not.toHaveProperty('in_progress');
    expect(traced).not.toHaveProperty('error');
    expect(traced).not.toHaveProperty('fault');
  });

  it('marks MX refusing a request as an error and MX failing or unreachable as a fault', () => {
    const segment = handlerSegment();

    traceMxCall(call({ status: 429, errorCode: 'MX_RATE_LIMITED' }));
    traceMxCall(call({ status: 503, errorCode: 'MX_SERVER_ERROR' }));
    traceMxCall(call({ errorCode: 'MX_TIMEOUT' }));

    expect(sent(segment).map((s) => [s.annotations, s.error ?? false, s.fault ?? false, s.throttle ?? false])).toEqual([
      [{ mxOperation: 'aggregateMember', mxStatus: 429, mxErrorCode: 'MX_RATE_LIMITED' }, true, false, true],
      [{ mxOperation: 'aggregateMember', mxStatus: 503, mxErrorCode: 'MX_SERVER_ERROR' }, false, true, false],
      [{ mxOperation: 'aggregateMember', mxErrorCode: 'MX_TIMEOUT' }, false, true, false],
    ]);
  });
});
