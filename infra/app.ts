#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { MxflowStack } from './mxflow-stack.js';

const app = new App();
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? 'dev';

new MxflowStack(app, `Mxflow-${stage}`, {
  stage,
  description: 'mxflow: MX bank-connection workflows (verify, identify, aggregate) on Step Functions',
});
