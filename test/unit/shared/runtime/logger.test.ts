import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { invokeLocally, lambdaContext } from '#local/lambda-context.js';
import { logger } from '#shared/runtime/logger.js';
import { observability } from '#shared/runtime/observability.js';

// Before the imports above run (vi.hoisted): the logger reads its level when it is created, and
// these tests read its INFO lines (the suite's default is ERROR).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

type JobEvent = { jobGuid: string };

/** A Lambda as mxflow writes them: tags its logs with the job, waits on `pause`, logs its step. */
function jobFunction(pause: () => Promise<void>) {
  return middy(async (event: JobEvent) => {
    logger.appendKeys({ jobGuid: event.jobGuid });
    await pause();
    logger.info('workflow step done');
  }).use(observability());
}

const written: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);
function captureStdout(): void {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
}
afterEach(() => {
  process.stdout.write = originalWrite;
  written.length = 0;
});
const logRecords = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the logger of locally invoked functions', () => {
  it('names each interleaved invocation’s own function and job on its log lines', async () => {
    const resume: (() => void)[] = [];
    const firstPaused = new Promise<void>((resolve) => resume.push(resolve));
    const polling = jobFunction(() => firstPaused);
    const fetching = jobFunction(async () => undefined);
    captureStdout();

    const first = invokeLocally(polling, { jobGuid: 'JOB-1' }, lambdaContext('PollMemberStatusFunction', 256, 30));
    await invokeLocally(fetching, { jobGuid: 'JOB-2' }, lambdaContext('FetchResultsFunction', 512, 60));
    for (const resumeFirst of resume) resumeFirst();
    await first;

    const lines = logRecords().filter((r) => r.message === 'workflow step done');
    expect(lines.map((r) => [r.function_name, r.jobGuid])).toEqual([
      ['FetchResultsFunction', 'JOB-2'],
      ['PollMemberStatusFunction', 'JOB-1'],
    ]);
  });

  it('starts each invocation without the keys the previous one appended', async () => {
    const tagged = middy(async (event: Partial<JobEvent>) => {
      if (event.jobGuid) logger.appendKeys({ jobGuid: event.jobGuid });
      logger.info('step');
    }).use(observability());
    captureStdout();

    await invokeLocally(tagged, { jobGuid: 'JOB-1' }, lambdaContext('StartMxJobFunction', 256, 30));
    await invokeLocally(tagged, {}, lambdaContext('StartMxJobFunction', 256, 30));

    expect(logRecords().map((r) => r.jobGuid)).toEqual(['JOB-1', undefined]);
  });
});
