import middy from '@middy/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { invokeLocally, lambdaContext } from '#local/lambda-context.js';
import { recordJobEnded, recordMxCall, recordWebhookProcessed } from '#shared/runtime/metrics.js';
import { observability } from '#shared/runtime/observability.js';

// As Lambda sets it for a function's first, cold, invocation; read when the metrics module loads.
const initializationType = vi.hoisted(() => {
  const before = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  return before;
});
afterAll(() => {
  if (initializationType === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initializationType;
});

type Emf = { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<
  string,
  unknown
>;

const written: string[] = [];
const original = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
function captureOutput(): void {
  const capture = ((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
}
afterEach(() => {
  process.stdout.write = original.stdout;
  process.stderr.write = original.stderr;
  written.length = 0;
});
const lines = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
const emfLines = () =>
  lines()
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
/** Each EMF line as `metric names @ dimension names`, with the dimension values it carries. */
const summary = (emf: Emf) => {
  const [directive] = emf._aws.CloudWatchMetrics;
  const dimensions = directive?.Dimensions[0] ?? [];
  return {
    metrics: directive?.Metrics.map((m) => m.Name),
    dimensions: Object.fromEntries(dimensions.map((d) => [d, emf[d]])),
  };
};

const context = () => lambdaContext('RecordSuccessFunction', 256, 30);

describe('metrics of an invocation', () => {
  it('are written once, when it ends, each dimension set on its own line, after a cold-start line', async () => {
    let linesDuringInvocation = -1;
    const handler = middy(async () => {
      recordJobEnded({ jobType: 'verify', status: 'FAILED', reason: 'MFA_REJECTED', pollCount: 4 });
      recordMxCall({ operation: 'readMemberStatus', method: 'GET', pathTemplate: '/users/{user_guid}', durationMs: 3 });
      recordMxCall({
        operation: 'readMemberStatus',
        method: 'GET',
        pathTemplate: '/x',
        status: 503,
        errorCode: 'MX_SERVER_ERROR',
        durationMs: 3,
      });
      linesDuringInvocation = emfLines().filter((e) => !('ColdStart' in e)).length;
    }).use(observability());
    captureOutput();

    await handler({}, context());

    expect(linesDuringInvocation).toBe(0);
    expect(emfLines().map(summary)).toEqual([
      { metrics: ['ColdStart'], dimensions: { service: 'mxflow', function_name: 'RecordSuccessFunction' } },
      { metrics: ['JobsEnded'], dimensions: { service: 'mxflow', jobType: 'verify', status: 'FAILED' } },
      { metrics: ['JobsFailed'], dimensions: { service: 'mxflow', jobType: 'verify', reason: 'MFA_REJECTED' } },
      { metrics: ['PollsPerJob'], dimensions: { service: 'mxflow', jobType: 'verify' } },
      { metrics: ['MxErrors'], dimensions: { service: 'mxflow', status: '503' } },
      { metrics: ['MxCalls'], dimensions: { service: 'mxflow' } },
    ]);
    expect(emfLines().find((e) => 'MxCalls' in e)?.MxCalls).toEqual([1, 1]);
  });

  it("count MX's webhooks by type and outcome, so the ones about members mxflow does not hold show", async () => {
    const handler = middy(async () => {
      recordWebhookProcessed('CONNECTION_STATUS', 'UNKNOWN_MEMBER');
    }).use(observability());
    await handler({}, context());
    captureOutput();

    await handler({}, context());

    expect(emfLines().map(summary)).toEqual([
      {
        metrics: ['WebhooksProcessed'],
        dimensions: { service: 'mxflow', type: 'CONNECTION_STATUS', outcome: 'UNKNOWN_MEMBER' },
      },
    ]);
  });

  it('write nothing, not even a warning, when it recorded no metric', async () => {
    const handler = middy(async () => 'nothing measured').use(observability());
    await handler({}, context());
    captureOutput();

    await handler({}, context());

    expect(lines()).toEqual([]);
  });

  it('are still written when the handler throws', async () => {
    const handler = middy(async () => {
      recordJobEnded({ jobType: 'aggregate', status: 'SUCCEEDED', reason: null });
      throw new Error('DynamoDB unreachable');
    }).use(observability());
    captureOutput();

    await expect(handler({}, context())).rejects.toThrow('DynamoDB unreachable');

    expect(emfLines().map(summary)).toEqual([
      { metrics: ['JobsEnded'], dimensions: { service: 'mxflow', jobType: 'aggregate', status: 'SUCCEEDED' } },
    ]);
  });

  it('of interleaved local invocations are each written at the end of their own invocation', async () => {
    const resume: (() => void)[] = [];
    const paused = new Promise<void>((resolve) => resume.push(resolve));
    const finishing = (jobType: string, pause: () => Promise<void>) =>
      middy(async () => {
        recordJobEnded({ jobType, status: 'SUCCEEDED', reason: null });
        await pause();
      }).use(observability());
    captureOutput();

    const first = invokeLocally(
      finishing('verify', () => paused),
      {},
      context(),
    );
    await invokeLocally(
      finishing('identify', async () => undefined),
      {},
      context(),
    );
    const writtenBeforeFirstEnded = emfLines().map((e) => e.jobType);
    for (const resumeFirst of resume) resumeFirst();
    await first;

    expect(writtenBeforeFirstEnded).toEqual(['identify']);
    expect(emfLines().map((e) => e.jobType)).toEqual(['identify', 'verify']);
  });
});
