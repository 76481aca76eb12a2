import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import {
  DELETION_FUNCTIONS,
  DELIVER_CALLBACK_FUNCTION,
  EXECUTION_ENDED_FUNCTION,
  PROCESS_MX_WEBHOOKS_FUNCTION,
  PUBLISH_EVENTS_FUNCTION,
  RECONCILE_JOBS_FUNCTION,
  REFRESH_MEMBERS_FUNCTION,
  STOPPED_EXECUTION_STATUSES,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunctionSpec,
} from '#shared/contract/workflow.js';
import { isEventSourceChange } from '#shared/events/events-of-change.js';
import { isInboxRecord } from '#shared/webhooks/inbox-stream.js';
import { faultRandom } from './faults/fault-random.js';
import { LambdaFaultInjector } from './faults/lambda-faults.js';
import { invokeLocally, lambdaContext } from './lambda-context.js';
import type { ExecutionStatusChangeEvent, TaskHandler } from './step-functions/index.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** No injected faults; time limits at their real length. */
const noFaults = () => new LambdaFaultInjector({}, faultRandom('none'));

/**
 * Each Task state of the job state machines, run by the real handler of the function CDK
 * deploys for it (from the same table of workflow functions), each invocation in a scope of
 * its own as Lambda runs it, within that function's time limit.
 */
export async function workflowTaskHandlers(faults = noFaults()): Promise<Record<string, TaskHandler>> {
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of [...WORKFLOW_FUNCTIONS, ...DELETION_FUNCTIONS]) {
    const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
    handlers[spec.state] = (payload) =>
      faults.invoke(spec, () =>
        invokeLocally(module.handler, payload, lambdaContext(spec.id, spec.memoryMb, faults.limitSeconds(spec))),
      );
  }
  return handlers;
}

/** The EventBridge rule's target, run on every execution end as AWS would deliver it (for the stopped ones). */
export async function executionEndedHandler(
  faults = noFaults(),
): Promise<(event: ExecutionStatusChangeEvent) => Promise<void>> {
  const spec = EXECUTION_ENDED_FUNCTION;
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
  return async (event) => {
    // The rule in AWS matches only these; a succeeded execution never reaches the function.
    if (!(STOPPED_EXECUTION_STATUSES as readonly string[]).includes(event.detail.status)) return;
    // Step Functions' status-change events are best-effort: a delivery may never arrive.
    if (faults.dropsExecutionEnded()) return;
    const delivered = {
      version: '0',
      id: randomUUID(),
      account: '123456789012',
      region: 'us-east-1',
      time: new Date().toISOString(),
      resources: [event.detail.executionArn],
      ...event,
    };
    // Its time limit is not enforced here (only the workflow tasks' are): its context gives the real one.
    await invokeLocally(module.handler, delivered, lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
  };
}

/** The reconciler, as its schedule invokes it: one pass, answering what it counted. */
export async function reconcileJobsHandler(): Promise<() => Promise<unknown>> {
  return scheduledHandler(RECONCILE_JOBS_FUNCTION);
}

/** The scheduled refresh as its schedule invokes it. */
export async function refreshMembersHandler(): Promise<() => Promise<unknown>> {
  return scheduledHandler(REFRESH_MEMBERS_FUNCTION);
}

/** A function EventBridge Scheduler invokes, invoked as it does. */
async function scheduledHandler(spec: WorkflowFunctionSpec): Promise<() => Promise<unknown>> {
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
  const scheduled = () => ({
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    time: new Date().toISOString(),
  });
  return () => invokeLocally(module.handler, scheduled(), lambdaContext(spec.id, spec.memoryMb, spec.timeoutSeconds));
}

/** A function the table's stream feeds: the event source mapping's filter, and the function as it invokes it. */
export interface StreamFunction {
  readonly accepts: (record: DynamoDBRecord) => boolean;
  readonly handler: (event: { Records: DynamoDBRecord[] }) => Promise<DynamoDBBatchResponse | undefined>;
}

/**
 * A function as its event source mapping on the table's stream invokes it: the mapping's filter,
 * and each batch run within the function's limits and Lambda's injected faults (the mapping retries).
 */
export async function streamFunction(
  spec: WorkflowFunctionSpec,
  accepts: StreamFunction['accepts'],
  faults = noFaults(),
): Promise<StreamFunction> {
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
  return {
    accepts,
    handler: (event) =>
      faults.invoke(spec, () =>
        invokeLocally(module.handler, event, lambdaContext(spec.id, spec.memoryMb, faults.limitSeconds(spec))),
      ) as Promise<DynamoDBBatchResponse | undefined>,
  };
}

/** The webhook processor: new inbox items. */
export const processMxWebhooksFunction = (faults = noFaults()) =>
  streamFunction(PROCESS_MX_WEBHOOKS_FUNCTION, isInboxRecord, faults);

/** The event publisher: new and changed job and member items. */
export const publishEventsFunction = (faults = noFaults()) =>
  streamFunction(
    PUBLISH_EVENTS_FUNCTION,
    (record) => isEventSourceChange(record.eventName, record.dynamodb?.Keys?.sk?.S),
    faults,
  );

/** The callback delivery function, as the bus rule invokes it (asynchronously: retries are the caller's). */
export async function deliverCallbackHandler(faults = noFaults()): Promise<(event: unknown) => Promise<unknown>> {
  const spec = DELIVER_CALLBACK_FUNCTION;
  const module = (await import(pathToFileURL(resolve(projectRoot, spec.entry)).href)) as { handler: LambdaHandler };
  return (event) =>
    faults.invoke(spec, () =>
      invokeLocally(module.handler, event, lambdaContext(spec.id, spec.memoryMb, faults.limitSeconds(spec))),
    );
}
