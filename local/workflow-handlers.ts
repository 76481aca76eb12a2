import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { WORKFLOW_FUNCTIONS } from '../infra/workflows/workflow-functions.js';
import type { TaskHandler } from './step-functions/index.js';

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
