import { Duration } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { deletionStateMachine, jobStateMachines, localFunctionArn } from '#local/job-state-machines.js';
import { aslProblems } from '#local/step-functions/validate-asl.js';
import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';
import {
  DELETION_FUNCTIONS,
  DELETION_STATES,
  JOB_TYPES,
  WORKFLOW_FUNCTIONS,
  WORKFLOW_STATES,
} from '#shared/contract/workflow.js';
import { SYNTH_TIMEOUT_MS, synthesizedStack, TEST_CONTEXT } from '#test/support/synthesized-template.js';

type Part = string | { Ref?: string; 'Fn::GetAtt'?: [string, string] };
interface StateMachineResource {
  Properties: { StateMachineName: string; DefinitionString: { 'Fn::Join': [string, Part[]] } };
}

/**
 * The deployed definition with the references CloudFormation fills in at deploy time replaced
 * by what the local state machines use: the `aws` partition and each task function's local ARN.
 */
function deployedDefinition(resource: StateMachineResource): unknown {
  const [separator, parts] = resource.Properties.DefinitionString['Fn::Join'];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref === 'AWS::Partition') return 'aws';
      const logicalId = part['Fn::GetAtt']?.[0] ?? '';
      const spec =
        WORKFLOW_FUNCTIONS.find(({ id }) => logicalId.startsWith(`Workflows${id}`)) ??
        DELETION_FUNCTIONS.find(({ id }) => logicalId.startsWith(`Deletions${id}`));
      if (!spec || part['Fn::GetAtt']?.[1] !== 'Arn') throw new Error(`unexpected reference ${JSON.stringify(part)}`);
      return localFunctionArn(spec.id);
    })
    .join(separator);
  return JSON.parse(text);
}

describe('the local job state machines', () => {
  let template: Template;
  let stackName: string;
  beforeAll(async () => {
    ({ template, stackName } = await synthesizedStack());
  }, SYNTH_TIMEOUT_MS);

  it.each(JOB_TYPES)('%s: run exactly the definition the synthesized stack deploys', (jobType) => {
    const machines = Object.values(
      template.findResources('AWS::StepFunctions::StateMachine'),
    ) as StateMachineResource[];
    const name = `${stackName}-${jobType}`;
    const deployed = machines.find((machine) => machine.Properties.StateMachineName === name);

    const webhookWait = Duration.seconds(Number(TEST_CONTEXT.mxWebhookWaitSeconds));
    const local = jobStateMachines(stackName, { webhookWait }).find((machine) => machine.name === name);

    expect(deployed).toBeDefined();
    expect(local?.definition).toEqual(deployedDefinition(deployed as StateMachineResource));
  });

  it("runs exactly the deletion workflow's definition the synthesized stack deploys, valid ASL", () => {
    const machines = Object.values(
      template.findResources('AWS::StepFunctions::StateMachine'),
    ) as StateMachineResource[];
    const local = deletionStateMachine(stackName);
    const deployed = machines.find((machine) => machine.Properties.StateMachineName === local.name);

    expect(deployed).toBeDefined();
    expect(local.definition).toEqual(deployedDefinition(deployed as StateMachineResource));
    expect(aslProblems(local.definition)).toBe('');
    expect(Object.keys((local.definition as { States: object }).States).sort()).toEqual(
      Object.values(DELETION_STATES).sort(),
    );
  });

  it('are valid ASL with the default time limits, and with the short ones tests use and webhooks', () => {
    const short = { executionTimeout: Duration.seconds(30), challengeTimeout: Duration.seconds(2) };

    // Each validation compiles the ASL schemas anew (~0.8 s): the short limits are checked in the
    // graph with webhooks, which holds every state of the graph without them.
    const machines = [
      ...jobStateMachines('Mxflow-local'),
      ...jobStateMachines('Mxflow-local', { ...short, webhookWait: Duration.seconds(20) }),
    ];

    expect(machines.map(({ name, definition }) => `${name}: ${aslProblems(definition)}`)).toEqual(
      machines.map(({ name }) => `${name}: `),
    );
  });

  it('take their default limits from the job time budget, as the stack does', () => {
    const [machine] = jobStateMachines('Mxflow-local');

    expect(machine?.definition).toMatchObject({
      TimeoutSeconds: DEFAULT_JOB_TIME_BUDGET.executionLimitSeconds,
      States: {
        [WORKFLOW_STATES.parkForChallenge]: { TimeoutSeconds: DEFAULT_JOB_TIME_BUDGET.challengeTimeoutSeconds },
      },
    });
  });

  it('take the time limits they are given, as the stack does', () => {
    const settings = { executionTimeout: Duration.minutes(3), challengeTimeout: Duration.seconds(45) };

    const [machine] = jobStateMachines('Mxflow-local', settings);

    expect(machine?.definition).toMatchObject({
      TimeoutSeconds: 180,
      States: { [WORKFLOW_STATES.parkForChallenge]: { TimeoutSeconds: 45 } },
    });
  });
});
