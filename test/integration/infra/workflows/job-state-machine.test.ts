import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MxflowStack } from '#infra/mxflow-stack.js';
import { WORKFLOW_FUNCTIONS } from '#infra/workflows/workflow-functions.js';
import { aslProblems } from '#local/step-functions/validate-asl.js';
import { stateMachinesFromTemplate } from '#local/step-functions/index.js';
import { JOB_TYPES } from '#shared/jobs/job-types.js';
import { WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';

type State = Record<string, unknown> & { Type: string };
type Definition = { States: Record<string, State>; TimeoutSeconds?: number };

let template: Template;
let machines: { name: string; definition: Definition }[];

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new MxflowStack(app, 'Mxflow-test', { stage: 'test' }));
  machines = stateMachinesFromTemplate(template.toJSON()) as { name: string; definition: Definition }[];
});

const lambdaTasks = (d: Definition) => Object.entries(d.States).filter(([, s]) => s.Type === 'Task' && String(s.Resource).includes('lambda'));

describe('the job state machines the stack deploys', () => {
  it('are three Standard workflows, one per job type, with a hard time limit', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);

    expect(machines.map((m) => m.name).sort()).toEqual(JOB_TYPES.map((t) => `Mxflow-test-${t}`).sort());
    for (const { definition } of machines) expect(definition.TimeoutSeconds).toBe(7_200);
  });

  it.each(JOB_TYPES)('%s: is valid ASL with every state named for the console', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

    expect(aslProblems(definition)).toBe('');
    expect(Object.keys(definition.States).sort()).toEqual(
      [
        'AwaitChallengeAnswer', 'FetchResults', 'JobFailed', 'JobSucceeded', 'PollMemberStatus', 'RecordFailure', 'RecordSuccess', 'RouteByStatus', 'StartMxJob',
        'WaitBeforePoll', 'WaitBeforeRetryFetch', 'WaitBeforeRetryStart',
      ].sort(),
    );
  });

  it.each(JOB_TYPES)('%s: waits between polls for as long as the poll step decided, never a fixed sleep in a Lambda', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

    expect(definition.States.WaitBeforePoll).toMatchObject({ Type: 'Wait', SecondsPath: '$.progress.waitSeconds', Next: 'PollMemberStatus' });
    expect(definition.States.RouteByStatus?.Type).toBe('Choice');
  });

  it.each(JOB_TYPES)('%s: parks on a task token for a challenge, with a timeout', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };

    expect(definition.States.AwaitChallengeAnswer).toMatchObject({
      Resource: expect.stringContaining('lambda:invoke.waitForTaskToken'),
      TimeoutSeconds: 600,
      Parameters: { Payload: { 'taskToken.$': '$$.Task.Token', job: expect.objectContaining({ jobType }) } },
    });
  });

  it.each(JOB_TYPES)('%s: retries MX faults with backoff never sooner than 3 s, and catches everything into RecordFailure', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
    const callsMx = (stateName: string) => WORKFLOW_FUNCTIONS.some((f) => f.callsMx && (f.states as readonly string[]).includes(stateName));

    for (const [name, state] of lambdaTasks(definition).filter(([n]) => n !== 'RecordFailure')) {
      const retries = (state.Retry ?? []) as { ErrorEquals: string[]; BackoffRate?: number; JitterStrategy?: string }[];
      const catches = state.Catch as { ErrorEquals: string[]; Next: string }[];
      expect(catches, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure' })]);
      const mx = retries.find((r) => r.ErrorEquals.includes(WORKFLOW_ERRORS.mxTransient));
      if (!callsMx(name)) {
        expect(mx, name).toBeUndefined();
        continue;
      }
      expect(mx?.BackoffRate, name).toBe(2);
      // FULL jitter would draw from 0 s: the jitter above the floor comes from the steps' own waits.
      expect(mx, name).toMatchObject({ IntervalSeconds: 3, JitterStrategy: 'NONE' });
    }
    expect(definition.States.StartMxJob?.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: [WORKFLOW_ERRORS.mxJobConflict], MaxAttempts: 6 })]));
  });

  it.each(JOB_TYPES)('%s: after MX’s 429 waits as the step decided, then starts or fetches again', (jobType) => {
    const { definition } = machines.find((m) => m.name.endsWith(jobType)) as { definition: Definition };
    const choices = (definition.States.RouteByStatus as unknown as { Choices: { StringEquals?: string; Next: string }[] }).Choices;
    const routeOf = (value: string) => choices.find((c) => c.StringEquals === value)?.Next;

    expect(routeOf('RETRY_START')).toBe('WaitBeforeRetryStart');
    expect(routeOf('RETRY_FETCH')).toBe('WaitBeforeRetryFetch');
    expect(routeOf('RECORD_SUCCESS')).toBe('RecordSuccess');
    expect(definition.States.WaitBeforeRetryStart).toMatchObject({ Type: 'Wait', SecondsPath: '$.progress.waitSeconds', Next: 'StartMxJob' });
    expect(definition.States.WaitBeforeRetryFetch).toMatchObject({ Type: 'Wait', SecondsPath: '$.progress.waitSeconds', Next: 'FetchResults' });
    expect(definition.States.FetchResults).toMatchObject({ Next: 'RouteByStatus', ResultPath: '$.progress' });
  });

  it('runs each task on the function the workflow table names, Node 24 on ARM', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).length).toBeGreaterThanOrEqual(WORKFLOW_FUNCTIONS.length);
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it('keeps references only in the execution input: the job, user and member guids', () => {
    for (const { definition } of machines) {
      const text = JSON.stringify(definition);
      expect(text).not.toMatch(/credential|password|account_number|routing_number|owner/i);
    }
  });
});
