/** How a Task state's `Resource` is run locally, and how AWS names it in execution history. */
type TaskKind =
  /** `arn:aws:states:::lambda:invoke`: handler gets `Parameters.Payload`; result wrapped as `{StatusCode, Payload}`. */
  | 'lambda-invoke'
  /** A Lambda function ARN used directly as the Resource: handler gets the input, returns the result as is. */
  | 'lambda-function'
  /** Any `…waitForTaskToken` integration: handler gets the Payload (Lambda) or Parameters, then the task waits for the token. */
  | 'wait-for-token'
  /** Any other service integration: handler gets the resolved Parameters and its result is the task result. */
  | 'service'
  /** A Wait state rewritten into a Task (see rewrite-definition.ts); never sees a user handler. */
  | 'local-wait';

export interface TaskResource {
  kind: TaskKind;
  /** Resource ARN as written in the ASL. */
  arn: string;
  /** `resourceType` / `resource` as Step Functions reports them in Task* history events (e.g. `lambda` / `invoke`). */
  resourceType: string;
  resource: string;
  /** For wait-for-token: whether the handler receives `Parameters.Payload` (Lambda) rather than all Parameters. */
  unwrapsPayload: boolean;
}

/** Resource of the Task states that stand in for time-scaled Wait states. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local-step-functions:wait';

export function classifyTaskResource(arn: string): TaskResource {
  if (arn === LOCAL_WAIT_RESOURCE) {
    return { kind: 'local-wait', arn, resourceType: 'local-step-functions', resource: 'wait', unwrapsPayload: false };
  }
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(arn)) {
    return { kind: 'lambda-function', arn, resourceType: 'lambda', resource: arn, unwrapsPayload: false };
  }
  // Service integrations: arn:<partition>:states:::<service>:<action>[.sync|.waitForTaskToken]; the
  // service part may itself contain a colon (aws-sdk:dynamodb), the action never does.
  const integration = /^arn:[^:]+:states:::(.+):([^:]+)$/.exec(arn);
  const resourceType = integration?.[1] ?? 'unknown';
  const resource = integration?.[2] ?? arn;
  const isLambda = resourceType === 'lambda' && resource.startsWith('invoke');
  if (resource.endsWith('.waitForTaskToken')) {
    return { kind: 'wait-for-token', arn, resourceType, resource, unwrapsPayload: isLambda };
  }
  if (isLambda) return { kind: 'lambda-invoke', arn, resourceType, resource, unwrapsPayload: true };
  return { kind: 'service', arn, resourceType, resource, unwrapsPayload: false };
}
