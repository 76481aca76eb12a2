import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stateMachinesFromTemplate } from '#local/step-functions/asl-from-template.js';
import { LocalStepFunctions } from '#local/step-functions/engine.js';
import { aslProblems } from '#local/step-functions/validate-asl.js';

/** A tiny stack: Lambda invoke → Wait($.delaySeconds) → Pass, plus a machine built from a string with substitutions. */
function synthesize(outdir: string): object {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'TinyStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const fn = new lambda.Function(stack, 'ScoreFn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ score: 1 });'),
  });
  const score = new tasks.LambdaInvoke(stack, 'Score', {
    lambdaFunction: fn,
    resultSelector: { 'score.$': '$.Payload.score' },
    resultPath: '$.scored',
  });
  const delay = new sfn.Wait(stack, 'Delay', { time: sfn.WaitTime.secondsPath('$.delaySeconds') });
  const done = new sfn.Pass(stack, 'Done');
  new sfn.StateMachine(stack, 'Scoring', {
    stateMachineName: 'scoring',
    definitionBody: sfn.DefinitionBody.fromChainable(score.next(delay).next(done)),
    timeout: Duration.minutes(5),
  });
  new sfn.StateMachine(stack, 'Substituted', {
    definitionBody: sfn.DefinitionBody.fromString(
      JSON.stringify({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: '${ScoreArn}', End: true } } }),
    ),
    definitionSubstitutions: { ScoreArn: fn.functionArn },
  });
  return Template.fromStack(stack).toJSON();
}

describe('stateMachinesFromTemplate', () => {
  let outdir: string;
  let template: object;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'local-sfn-cdk-'));
    template = synthesize(outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  let engine: LocalStepFunctions | undefined;
  afterEach(async () => {
    await engine?.shutdown();
    engine = undefined;
  });

  it('turns the synthesized DefinitionString into ASL with fake ARNs', () => {
    const machines = stateMachinesFromTemplate(template);
    expect(machines.map(({ logicalId, name }) => ({ logicalId, name }))).toEqual([
      { logicalId: expect.stringMatching(/^Scoring/), name: 'scoring' },
      { logicalId: expect.stringMatching(/^Substituted/), name: expect.stringMatching(/^Substituted/) },
    ]);
    const [scoring, substituted] = machines as [(typeof machines)[0], (typeof machines)[0]];
    const states = (scoring.definition as { States: Record<string, Record<string, unknown>> }).States;
    expect(states.Score).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: expect.stringMatching(/^arn:aws:lambda:us-east-1:123456789012:function:ScoreFn/), 'Payload.$': '$' },
    });
    expect(states.Delay).toEqual({ Type: 'Wait', SecondsPath: '$.delaySeconds', Next: 'Done' });
    expect(aslProblems(scoring.definition)).toBe('');

    const call = (substituted.definition as { States: { Call: { Resource: string } } }).States.Call;
    expect(call.Resource).toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:ScoreFn/);
  });

  it('uses the given fake region and account', () => {
    const [scoring] = stateMachinesFromTemplate(template, { region: 'eu-west-1', accountId: '999999999999' });
    expect(JSON.stringify(scoring!.definition)).toContain('arn:aws:lambda:eu-west-1:999999999999:function:ScoreFn');
  });

  it('runs the synthesized machine locally, with the scaled SecondsPath wait', async () => {
    const scoring = stateMachinesFromTemplate(template).find((machine) => machine.name === 'scoring')!;
    const payloads: unknown[] = [];
    engine = new LocalStepFunctions({
      stateMachines: [scoring],
      taskHandlers: {
        Score: async (payload) => {
          payloads.push(payload);
          return { score: 7 };
        },
      },
      timeScale: 0.01,
    });
    const started = performance.now();
    const { executionArn } = engine.startExecution({ stateMachineArn: engine.stateMachineArn('scoring'), input: '{"delaySeconds":20}' });
    const done = await engine.waitForExecution(executionArn!);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200); // 20 s × 0.01
    expect(payloads).toEqual([{ delaySeconds: 20 }]);
    expect(done).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(done.output!)).toEqual({ delaySeconds: 20, scored: { score: 7 } });
  });
});
