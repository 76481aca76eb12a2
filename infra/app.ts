#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { readDeploySettings } from './deploy-settings.js';
import { MxflowStack } from './mxflow-stack.js';
import { checkWithCdkNag } from './nag.js';

const app = new App();
const settings = readDeploySettings((key) => app.node.tryGetContext(key) as unknown);

new MxflowStack(app, `Mxflow-${settings.stage}`, {
  ...settings,
  description: 'mxflow: MX bank-connection workflows (verify, identify, aggregate) on Step Functions',
});
checkWithCdkNag(app);
