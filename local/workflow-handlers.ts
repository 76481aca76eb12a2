import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { WORKFLOW_FUNCTIONS } from '../infra/workflows/workflow-functions.js';
import type { TaskHandler } from './step-functions/index.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The context Lambda gives a handler, as far as middy and Powertools read it. */
function lambdaContext(functionName: string, memoryMb: number, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Each Task state of the job state machines, run by the real handler of the function CDK
 * deploys for it (from the same table of workflow functions).
 */
export async function workflowTaskHandlers(): Promise<Record<string, TaskHandler>> {
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of WORKFLOW_FUNCTIONS) {
    const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
    for (const state of spec.states) {
      handlers[state] = (payload) => module.handler(payload, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
    }
  }
  return handlers;
}
