import { AwsServiceError } from '#local/aws-json-protocol.js';

/** Error names the Step Functions API returns (as `__type`), which @aws-sdk/client-sfn maps to typed exceptions. */
export type StepFunctionsErrorName =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'StateMachineDoesNotExist'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskTimedOut'
  | 'ValidationException';

/** An API-level error, raised by the engine and answered by the server as `{"__type", "message"}`. */
export class StepFunctionsError extends AwsServiceError {
  constructor(
    readonly code: StepFunctionsErrorName,
    message: string,
  ) {
    super(code, message);
  }
}
