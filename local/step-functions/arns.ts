/** ARN shapes used by Step Functions, so local ARNs look like the ones production code parses. */
export interface ArnScope {
  region: string;
  accountId: string;
}

export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: ArnScope, stateMachineName: string, executionName: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${executionName}`;
}

/** The state machine name from an execution ARN, or undefined if the ARN is not one. */
export function parseExecutionArn(arn: string): { stateMachineName: string; executionName: string } | undefined {
  const match = /^arn:[^:]+:states:[^:]*:[^:]*:execution:([^:]+):([^:]+)$/.exec(arn);
  if (!match) return undefined;
  return { stateMachineName: match[1]!, executionName: match[2]! };
}
