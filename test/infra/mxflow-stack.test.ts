import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MxflowStack } from '../../infra/mxflow-stack.js';

describe('MxflowStack', () => {
  it('synthesizes offline and tags everything with the service and stage', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    const stack = new MxflowStack(app, 'Mxflow-test', { stage: 'test' });
    const template = Template.fromStack(stack);

    expect(template.toJSON()).toBeTypeOf('object');
    expect(app.synth().getStackByName('Mxflow-test').tags).toMatchObject({ service: 'mxflow', stage: 'test' });
  });
});
