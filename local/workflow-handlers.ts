import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { EXECUTION_ENDED_FUNCTION, WORKFLOW_FUNCTIONS } from '#infra/workflows/workflow-functions.js';
import { STOPPED_EXECUTION_STATUSES } from '#shared/jobs/end-stopped-job.js';
import type { ExecutionStatusChangeEvent, TaskHandler } from './step-functions/index.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

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

/** The EventBridge rule's target, run on every execution end as AWS would deliver it (for the stopped ones). */
export async function executionEndedHandler(): Promise<(event: ExecutionStatusChangeEvent) => Promise<void>> {
  const spec = EXECUTION_ENDED_FUNCTION;
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: (event: unknown, context: Context) => Promise<unknown> };
  return async (event) => {
    // The rule in AWS matches only these; a succeeded execution never reaches the function.
    if (!(STOPPED_EXECUTION_STATUSES as readonly string[]).includes(event.detail.status)) return;
    await module.handler({ version: '0', id: randomUUID(), account: '123456789012', region: 'us-east-1', time: new Date().toISOString(), resources: [event.detail.executionArn], ...event }, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
  };
}
