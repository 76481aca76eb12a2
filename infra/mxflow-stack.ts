import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface MxflowStackProps extends StackProps {
  /** Deployment stage, e.g. dev or prod; used in names and tags. */
  readonly stage: string;
}

/**
 * The one mxflow stack. It grows construct by construct (data, secrets, workflows, API)
 * as the service is built; today it only carries the stage tag.
 */
export class MxflowStack extends Stack {
  constructor(scope: Construct, id: string, props: MxflowStackProps) {
    super(scope, id, props);
    Tags.of(this).add('service', 'mxflow');
    Tags.of(this).add('stage', props.stage);
  }
}
