/** Small hand-written ASL machines shared by the local Step Functions tests. */

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const fn = (name: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** Fetch (Lambda invoke, retried on MxRateLimited) → Choice → Done, with a Catch on MxLoginFailed. */
export const fetchMachine = {
  Comment: 'Lambda invoke wrapper, Retry and Catch on thrown error names',
  StartAt: 'Fetch',
  States: {
    Fetch: {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: fn('fetch'), 'Payload.$': '$' },
      ResultSelector: { 'accounts.$': '$.Payload.accounts', 'status.$': '$.StatusCode' },
      ResultPath: '$.fetched',
      Retry: [{ ErrorEquals: ['MxRateLimited'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['MxLoginFailed'], ResultPath: '$.error', Next: 'LoginFailed' }],
      Next: 'HasAccounts',
    },
    HasAccounts: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fetched.accounts[0]', IsPresent: true, Next: 'Done' }],
      Default: 'Empty',
    },
    Done: { Type: 'Pass', Parameters: { 'count.$': 'States.ArrayLength($.fetched.accounts)' }, End: true },
    Empty: { Type: 'Fail', Error: 'NoAccounts', Cause: 'MX returned no accounts' },
    LoginFailed: { Type: 'Succeed' },
  },
};

/** A Lambda function ARN used directly as the Resource (payloadResponseOnly). */
export const directLambdaMachine = {
  StartAt: 'Double',
  States: { Double: { Type: 'Task', Resource: fn('double'), End: true } },
};

/** Waits `$.delaySeconds`, then a constant 2 s Wait, then Pass. */
export const waitMachine = {
  StartAt: 'Delay',
  States: {
    Delay: { Type: 'Wait', SecondsPath: '$.delaySeconds', Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 2, Next: 'Finish' },
    Finish: { Type: 'Pass', Result: 'waited', ResultPath: '$.result', End: true },
  },
};

/** Machine-level TimeoutSeconds shorter than its Wait. */
export const slowMachine = {
  TimeoutSeconds: 5,
  StartAt: 'Sleep',
  States: { Sleep: { Type: 'Wait', Seconds: 60, End: true } },
};

/**
 * Asks a Lambda to start an MX challenge and waits for its token (loops back into the same state
 * on `retry`), timing out after 30 s (scaled) into a Catch on States.Timeout.
 */
export const challengeMachine = {
  StartAt: 'AwaitChallenge',
  States: {
    AwaitChallenge: {
      Type: 'Task',
      Resource: LAMBDA_INVOKE_WAIT,
      Parameters: {
        FunctionName: fn('challenge'),
        Payload: { 'taskToken.$': '$$.Task.Token', 'member.$': '$.member', 'executionId.$': '$$.Execution.Id' },
      },
      TimeoutSeconds: 30,
      ResultPath: '$.answer',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
        { ErrorEquals: ['ChallengeRejected'], ResultPath: '$.error', Next: 'Rejected' },
      ],
      Next: 'Again',
    },
    Again: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.answer.retry', IsPresent: true },
            { Variable: '$.answer.retry', BooleanEquals: true },
          ],
          Next: 'AwaitChallenge',
        },
      ],
      Default: 'Answered',
    },
    Answered: { Type: 'Succeed' },
    TimedOut: { Type: 'Fail', Error: 'ChallengeTimedOut', Cause: 'Nobody answered the challenge' },
    Rejected: { Type: 'Fail', Error: 'ChallengeRejected', Cause: 'The challenge was rejected' },
  },
};
