import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';

/**
 * cdk-nag 3 runs as CDK validation plugins: any unacknowledged finding (error or warning) fails `cdk synth`.
 * Every acknowledgement in this code base carries its reason next to the resource it concerns.
 */
export function nagPacks(): NagPack[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()];
}

export function applyChecks(app: App): NagPack[] {
  const packs = nagPacks();
  Validations.of(app).addPlugins(...packs);
  return packs;
}
