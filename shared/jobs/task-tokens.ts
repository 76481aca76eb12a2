import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';

/** Resumes or fails an execution parked on a task token. */
export interface TaskTokens {
  /** Answers false when the token is no longer open (the wait timed out or the execution ended). */
  succeed(token: string): Promise<boolean>;
  fail(token: string, error: string, cause: string): Promise<boolean>;
}

/** Task tokens through Step Functions' API; the output carries nothing but a marker. */
export function stepFunctionsTaskTokens(sfn: SFNClient): TaskTokens {
  const closedIsFalse = (error: unknown) => {
    if (error instanceof TaskTimedOut) return false;
    throw error;
  };
  return {
    succeed: (token) =>
      sfn
        .send(new SendTaskSuccessCommand({ taskToken: token, output: '{"answered":true}' }))
        .then(() => true, closedIsFalse),
    fail: (token, error, cause) =>
      sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause })).then(() => true, closedIsFalse),
  };
}
