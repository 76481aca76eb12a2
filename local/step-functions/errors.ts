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
  | 'TaskDoesNotExist'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException';

/** An API-level error, raised by the engine and serialized by the server as `{"__type", "message"}`. */
export class StepFunctionsError extends Error {
  constructor(
    readonly code: StepFunctionsErrorName,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}
