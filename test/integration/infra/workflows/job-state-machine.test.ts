import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDeploySettings } from '#infra/deploy-settings.js';
import { jobWorkflowSettings, WEBHOOK_ENDS_JOB } from '#infra/workflows/job-state-machine.js';
import { jobStateMachines } from '#local/job-state-machines.js';
import { aslProblems } from '#local/step-functions/validate-asl.js';
import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';
import {
  COPY_STEP_BOUND,
  JOB_TYPES,
  type JobType,
  WORKFLOW_FUNCTIONS,
  WORKFLOW_STATES,
} from '#shared/contract/workflow.js';
import { AWS_TRANSIENT_ERRORS, LAMBDA_TRANSIENT_ERRORS, WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';
import { SYNTH_TIMEOUT_MS, synthesizedStack, TEST_CONTEXT } from '#test/support/synthesized-template.js';

type State = Record<string, unknown> & { Type: string };
type Definition = { States: Record<string, State>; TimeoutSeconds?: number };

let template: Template;
let machines: { name: string; definition: Definition }[];

// The ASL is the stack's own (test/integration/local/job-state-machines.test.ts proves it
// against the synthesized template); the template is the run's one synth.
beforeAll(async () => {
  ({ template } = await synthesizedStack());
  const { timeBudget } = readDeploySettings((key) => TEST_CONTEXT[key as keyof typeof TEST_CONTEXT]);
  machines = jobStateMachines('Mxflow-test', jobWorkflowSettings(timeBudget ?? DEFAULT_JOB_TIME_BUDGET)) as {
    name: string;
    definition: Definition;
  }[];
}, SYNTH_TIMEOUT_MS);

/** A job type's states: all of them, but the webhook wait where MX sends no webhook at the job's end. */
const statesOf = (jobType: JobType): string[] =>
  Object.values(WORKFLOW_STATES).filter(
    (state) =>
      WEBHOOK_ENDS_JOB[jobType] ||
      (state !== WORKFLOW_STATES.waitBeforeWebhook && state !== WORKFLOW_STATES.awaitMemberWebhook),
  );

const lambdaTasks = (d: Definition) =>
  Object.entries(d.States).filter(([, s]) => s.Type === 'Task' && String(s.Resource).includes('lambda'));

describe('the job state machines the stack deploys', () => {
  it('are Standard workflows, one per job type, with a hard time limit', () => {
    // And the deletion workflow's (test/integration/infra/workflows/deletion-state-machine.test.ts).
    template.resourceCountIs('AWS::StepFunctions::StateMachine', JOB_TYPES.length + 1);

    expect(machines.map((m) => m.name).sort()).toEqual(JOB_TYPES.map((t) => `Mxflow-test-${t}`).sort());
    for (const { definition } of machines) {
      expect(definition.TimeoutSeconds).toBe(DEFAULT_JOB_TIME_BUDGET.executionLimitSeconds);
    }
  });

  it.each(JOB_TYPES)('%s: is valid ASL with every state named for the console', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

    expect(aslProblems(definition)).toBe('');
    expect(Object.keys(definition.States).sort()).toEqual(statesOf(jobType).sort());
  });

  it.each(JOB_TYPES)(
    "%s: after MX's 3 s floor, waits for the member's webhook (the fallback read at the timeout) when MX sends one at the end",
    (jobType) => {
      const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
      const waitChoice = (
        definition.States.RouteByStatus?.Choices as { StringEquals?: string; Next: string }[] | undefined
      )?.[0];

      if (!WEBHOOK_ENDS_JOB[jobType]) {
        expect(definition.States.AwaitMemberWebhook).toBeUndefined();
        return;
      }
      expect(waitChoice).toMatchObject({
        Variable: '$.progress.next',
        StringEquals: 'WAIT',
        Next: 'WaitBeforeWebhook',
      });
      expect(definition.States.WaitBeforeWebhook).toMatchObject({
        Type: 'Wait',
        SecondsPath: '$.progress.waitSeconds',
        Next: 'AwaitMemberWebhook',
      });
      expect(definition.States.AwaitMemberWebhook).toMatchObject({
        Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'),
        TimeoutSeconds: Number(TEST_CONTEXT.mxWebhookWaitSeconds),
        Next: 'PollMemberStatus',
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'PollMemberStatus', ResultPath: null }],
      });
    },
  );

  it.each(JOB_TYPES)(
    '%s: waits between polls for as long as the poll step decided, never a fixed sleep in a Lambda',
    (jobType) => {
      const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

      expect(definition.States.WaitBeforePoll).toMatchObject({
        Type: 'Wait',
        SecondsPath: '$.progress.waitSeconds',
        Next: 'PollMemberStatus',
      });
      expect(definition.States.RouteByStatus?.Type).toBe('Choice');
    },
  );

  it.each(JOB_TYPES)('%s: parks on a task token for a challenge, with a timeout', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

    expect(definition.States.ParkForChallenge).toMatchObject({
      Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'),
      TimeoutSeconds: DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds,
      Parameters: { Payload: { 'taskToken.$': '$$.Task.Token', job: expect.objectContaining({ jobType }) } },
    });
  });

  it.each(JOB_TYPES)(
    '%s: retries MX faults with backoff never sooner than 3 s, and catches everything into RecordFailure (the cleanup after a success into JobSucceeded)',
    (jobType) => {
      const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
      const callsMx = (stateName: string) => WORKFLOW_FUNCTIONS.some((f) => f.callsMx && f.state === stateName);

      for (const [name, state] of lambdaTasks(definition).filter(([n]) => n !== 'RecordFailure')) {
        const retries = (state.Retry ?? []) as {
          ErrorEquals: string[];
          BackoffRate?: number;
          JitterStrategy?: string;
        }[];
        const catches = state.Catch as { ErrorEquals: string[]; Next: string }[];
        // The cleanup runs after the job ended SUCCEEDED: its failure must not turn the job FAILED.
        // The wait for a webhook only saves reads: whatever ends it, the status read follows.
        const caughtInto =
          name === WORKFLOW_STATES.deleteSupersededResults
            ? 'JobSucceeded'
            : name === WORKFLOW_STATES.awaitMemberWebhook
              ? 'PollMemberStatus'
              : 'RecordFailure';
        expect(catches, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: caughtInto })]);
        const mx = retries.find((r) => r.ErrorEquals.includes(WORKFLOW_ERRORS.mxTransient));
        if (!callsMx(name)) {
          expect(mx, name).toBeUndefined();
          continue;
        }
        expect(mx?.BackoffRate, name).toBe(2);
        // FULL jitter would draw from 0 s: the jitter above the floor comes from the steps' own waits.
        expect(mx, name).toMatchObject({ IntervalSeconds: 3, JitterStrategy: 'NONE' });
      }
      expect(definition.States.StartMxJob?.Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ErrorEquals: [WORKFLOW_ERRORS.mxJobConflict], MaxAttempts: 6 }),
        ]),
      );
    },
  );

  it.each(JOB_TYPES)(
    '%s: retries Lambda’s throttles and AWS’s transient faults in every task, first, with back-off and full jitter',
    (jobType) => {
      const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
      const transient = [...LAMBDA_TRANSIENT_ERRORS, ...AWS_TRANSIENT_ERRORS];

      const tasks = lambdaTasks(definition);

      expect(tasks.map(([name]) => name).sort()).toEqual(
        WORKFLOW_FUNCTIONS.map((f) => f.state)
          .filter((state) => statesOf(jobType).includes(state))
          .sort(),
      );
      for (const [name, state] of tasks) {
        const [first] = (state.Retry ?? []) as { ErrorEquals: string[]; JitterStrategy?: string }[];
        expect(first, name).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2, MaxAttempts: 8 });
        expect([...(first?.ErrorEquals ?? [])].sort(), name).toEqual([...transient].sort());
      }
      expect(transient).toEqual(
        expect.arrayContaining([
          'Lambda.TooManyRequestsException',
          'ThrottlingException',
          'ProvisionedThroughputExceededException',
          'RequestLimitExceeded',
          'TransactionCanceledException',
          'DynamoDbThrottled',
          'TimeoutError',
        ]),
      );
    },
  );

  it.each(JOB_TYPES)('%s: after MX’s 429 waits as the step decided, then starts or fetches again', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
    const choices = (
      definition.States.RouteByStatus as unknown as { Choices: { StringEquals?: string; Next: string }[] }
    ).Choices;
    const routeOf = (value: string) => choices.find((c) => c.StringEquals === value)?.Next;

    expect(routeOf('RETRY_START')).toBe('WaitBeforeRetryStart');
    expect(routeOf('RETRY_FETCH')).toBe('WaitBeforeRetryFetch');
    expect(routeOf('RECORD_SUCCESS')).toBe('RecordSuccess');
    expect(definition.States.WaitBeforeRetryStart).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.progress.waitSeconds',
      Next: 'StartMxJob',
    });
    expect(definition.States.WaitBeforeRetryFetch).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.progress.waitSeconds',
      Next: 'FetchResults',
    });
    expect(definition.States.FetchResults).toMatchObject({ Next: 'RouteByStatus', ResultPath: '$.progress' });
  });

  it.each(JOB_TYPES)(
    '%s: loops FetchResults step by step, handing each step the cursor the last returned',
    (jobType) => {
      const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
      const choices = (
        definition.States.RouteByStatus as unknown as { Choices: { StringEquals?: string; Next: string }[] }
      ).Choices;

      expect(choices.find((c) => c.StringEquals === 'FETCH_RESULTS')?.Next).toBe('FetchResults');
      expect(JSON.stringify(definition.States.FetchResults?.Parameters)).toContain('"progress.$":"$.progress"');
      expect(definition.States.FetchResults).toMatchObject({ Next: 'RouteByStatus', ResultPath: '$.progress' });
    },
  );

  it('gives FetchResults a time limit well beyond the work bound of one copy step', () => {
    const copy = WORKFLOW_FUNCTIONS.find((f) => f.state === WORKFLOW_STATES.fetchResults);
    const timeouts = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) => (fn as { Properties: { Timeout?: number } }).Properties.Timeout,
    );

    expect(copy?.timeoutSeconds).toBeGreaterThanOrEqual(2 * COPY_STEP_BOUND.seconds);
    expect(copy?.timeoutSeconds).toBeLessThan(900);
    expect(timeouts).toContain(copy?.timeoutSeconds);
  });

  it.each(JOB_TYPES)('%s: runs each Task state on the function named for it in the workflow table', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
    // A plain invoke names the function in Resource; a task-token wait in its FunctionName parameter.
    const invoked = (state: State) =>
      String((state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? state.Resource);
    const functionOf = (state: State) => /:function:(\w+Function)\b/.exec(invoked(state))?.[1];

    const tasks = Object.fromEntries(lambdaTasks(definition).map(([name, state]) => [name, functionOf(state)]));

    expect(tasks).toEqual(
      Object.fromEntries(
        WORKFLOW_FUNCTIONS.filter((f) => statesOf(jobType).includes(f.state)).map((f) => [f.state, f.id]),
      ),
    );
  });

  it('runs every function on Node 24 on ARM', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it('keeps references only in the execution input: the job, user and member guids', () => {
    for (const { definition } of machines) {
      const text = JSON.stringify(definition);
      expect(text).not.toMatch(/credential|password|account_number|routing_number|owner/i);
    }
  });
});
