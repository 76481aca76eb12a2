import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { EXECUTION_ENDED_FUNCTION, STOPPED_EXECUTION_STATUSES, WORKFLOW_FUNCTIONS } from '#shared/contract/workflow.js';
import { invokeLocally, lambdaContext } from './lambda-context.js';
import type { ExecutionStatusChangeEvent, TaskHandler } from './step-functions/index.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Each Task state of the job state machines, run by the real handler of the function CDK
 * deploys for it (from the same table of workflow functions), each invocation in a scope of
 * its own as Lambda runs it.
 */
export async function workflowTaskHandlers(): Promise<Record<string, TaskHandler>> {
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of WORKFLOW_FUNCTIONS) {
    const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
    handlers[spec.state] = (payload) =>
      invokeLocally(module.handler, payload, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
  }
  return handlers;
}

/** The EventBridge rule's target, run on every execution end as AWS would deliver it (for the stopped ones). */
export async function executionEndedHandler(): Promise<(event: ExecutionStatusChangeEvent) => Promise<void>> {
  const spec = EXECUTION_ENDED_FUNCTION;
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
  return async (event) => {
    // The rule in AWS matches only these; a succeeded execution never reaches the function.
    if (!(STOPPED_EXECUTION_STATUSES as readonly string[]).includes(event.detail.status)) return;
    const delivered = {
      version: '0',
      id: randomUUID(),
      account: '123456789012',
      region: 'us-east-1',
      time: new Date().toISOString(),
      resources: [event.detail.executionArn],
      ...event,
    };
    await invokeLocally(module.handler, delivered, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
  };
}
