import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AdvanceWorkflow, ADVANCE_TASK_NAMES, type AdvanceTaskName } from '../../../constructs/advance-workflow';

/**
 * The definition the local runner executes: the advance workflow's ASL exactly as CDK synthesizes it, and the walks
 * over it that the runner needs (task states, states with retries, wait states, a time-scaled copy).
 */

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
/** Task functions are synthesized as `fromFunctionArn` placeholders with this prefix and the task name. */
export const PLACEHOLDER_ARN_PREFIX = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:`;

export type AslDefinition = { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number; Comment?: string };
export type AslState = Record<string, unknown> & { Type: string; Resource?: string; Parameters?: Record<string, unknown>; Branches?: AslDefinition[]; Retry?: unknown[] };

let synthesized: AslDefinition | undefined;

/**
 * Instantiates the AdvanceWorkflow construct in a throwaway CDK app with `fromFunctionArn` placeholders named after
 * each task, and returns the `DefinitionString` of the synthesized `AWS::StepFunctions::StateMachine` (its
 * Fn::Join resolved). Local runs and tests therefore execute exactly what CDK deploys. Cached per process (~2 s).
 */
export function synthesizeAdvanceWorkflowDefinition(options: { fresh?: boolean } = {}): AslDefinition {
  if (synthesized && !options.fresh) return structuredClone(synthesized);
  const app = new App({ outdir: undefined, analyticsReporting: false });
  const stack = new Stack(app, 'AdvanceWorkflowLocal');
  const functions = Object.fromEntries(
    ADVANCE_TASK_NAMES.map((name) => [name, lambda.Function.fromFunctionArn(stack, `Fn-${name}`, `${PLACEHOLDER_ARN_PREFIX}${name}`)]),
  ) as Record<AdvanceTaskName, lambda.IFunction>;
  new AdvanceWorkflow(stack, 'AdvanceWorkflow', { tasks: functions, logging: false, tracingEnabled: false });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`Expected one state machine in the synthesized template, found ${machines.length}.`);
  const definitionString = resolveIntrinsic(machines[0]!.Properties.DefinitionString);
  if (typeof definitionString !== 'string') throw new Error('The synthesized DefinitionString did not resolve to a string.');
  synthesized = JSON.parse(definitionString) as AslDefinition;
  return structuredClone(synthesized);
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsics CDK puts into a DefinitionString (Fn::Join and pseudo-parameter Refs). */
function resolveIntrinsic(value: unknown): unknown {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(resolveIntrinsic);
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolveIntrinsic(part))).join(separator);
  }
  if ('Ref' in object) {
    const ref = String(object.Ref);
    if (ref in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[ref];
    throw new Error(`The local Step Functions runner cannot resolve { Ref: ${ref} } in the definition: use placeholders.`);
  }
  throw new Error(`The local Step Functions runner cannot resolve ${Object.keys(object).join(', ')} in the definition.`);
}

/** Every Task state (including those inside Parallel branches and Map iterators), by state name. */
export function taskStates(definition: AslDefinition): Map<string, AslState> {
  const found = new Map<string, AslState>();
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type === 'Task') found.set(name, state);
      for (const branch of state.Branches ?? []) walk(branch);
      const iterator = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (iterator) walk(iterator);
    }
  };
  walk(definition);
  return found;
}

/** A copy of the definition whose retry intervals and delay caps are multiplied by `scale`. */
export function scaleRetries(definition: AslDefinition, scale: number): AslDefinition {
  const copy = structuredClone(definition);
  const walk = (def: AslDefinition) => {
    for (const state of Object.values(def.States)) {
      for (const retrier of (state.Retry ?? []) as { IntervalSeconds?: number; MaxDelaySeconds?: number }[]) {
        retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
        if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
      }
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(copy);
  return copy;
}

export function statesWithRetry(definition: AslDefinition): string[] {
  const names: string[] = [];
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (Array.isArray(state.Retry) && state.Retry.length > 0) names.push(name);
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(definition);
  return names;
}

export function waitStates(definition: AslDefinition): string[] {
  const names: string[] = [];
  const walk = (def: AslDefinition) => {
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type === 'Wait') names.push(name);
      for (const branch of state.Branches ?? []) walk(branch);
    }
  };
  walk(definition);
  return names;
}
