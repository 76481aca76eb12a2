import type { App } from 'aws-cdk-lib';
import { readDeploySettings } from './deploy-settings.js';
import { MxflowStack } from './mxflow-stack.js';
import { checkWithCdkNag } from './nag.js';

/**
 * The deployable app as `npx cdk synth -c key=value …` builds it from its context: one
 * MxflowStack for the stage, every synth checked by cdk-nag.
 */
export function addMxflowStack(app: App): MxflowStack {
  const settings = readDeploySettings((key) => app.node.tryGetContext(key) as unknown);
  const stack = new MxflowStack(app, `Mxflow-${settings.stage}`, {
    ...settings,
    description: 'mxflow: MX bank-connection workflows (verify, identify, aggregate) on Step Functions',
  });
  checkWithCdkNag(app);
  return stack;
}
