import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs cdk-nag's AWS Solutions pack on every synth: a finding that is not acknowledged, with a
 * reason specific to this stack next to the construct it is about, fails the synth.
 */
export function checkWithCdkNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** Acknowledges a cdk-nag AWS Solutions rule on a construct and everything under it. */
export function acknowledgeNag(scope: Parameters<typeof Validations.of>[0], rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}
