import { randomUUID } from 'node:crypto';
import { PLACEHOLDER_ARN_PREFIX, taskStates, type AslDefinition } from './definition';
import { LambdaFunctionError } from './errors';
import type { JsonValue, TaskInvoker } from './task-invoker';
import type { TaskTokens } from './task-tokens';

export type TaskHandlers = Record<string, (input: JsonValue) => Promise<JsonValue>>;

/**
 * The local replacement of every Task state of one execution, by state name (aws-local-stepfunctions'
 * `taskResourceLocalHandlers`): Lambda ARNs and `lambda:invoke` run the task in-process, `.waitForTaskToken` then
 * waits on its token, `sns:publish` goes to the local SNS. Built per execution because tokens belong to one.
 */
export function taskHandlersFor(definition: AslDefinition, executionArn: string, invoke: TaskInvoker, tokens: TaskTokens): TaskHandlers {
  const handlers: TaskHandlers = {};
  for (const [stateName, state] of taskStates(definition)) {
    const resource = String(state.Resource ?? '');
    if (resource.startsWith(PLACEHOLDER_ARN_PREFIX) || /^arn:aws:lambda:/.test(resource)) {
      const taskName = resource.split(':').at(-1)!;
      handlers[stateName] = (input) => invoke(taskName, input);
    } else if (/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
      const waits = resource.endsWith('.waitForTaskToken');
      handlers[stateName] = async (input) => {
        const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: string; Payload?: JsonValue };
        const taskName = String(FunctionName ?? '').split(':').at(-1) ?? '';
        if (!waits) return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: await invoke(taskName, Payload) };
        const token = tokens.findIssued(Payload, executionArn);
        if (!token) throw new LambdaFunctionError('States.Runtime', `${stateName}: the payload carries no task token ($$.Task.Token).`);
        const claim = tokens.claim(token, stateName);
        // An aborted execution (stop(), or the task's own invoke failing below) no longer awaits the outcome: its
        // late rejection must not surface as an unhandled one.
        claim.outcome.catch(() => undefined);
        // The function is invoked synchronously, as AWS does; its own failure fails the task.
        await invoke(taskName, Payload).catch((error: Error) => {
          claim.abandon();
          throw error;
        });
        return claim.outcome;
      };
    } else if (/^arn:aws:states:::sns:publish$/.test(resource)) {
      handlers[stateName] = async (input) => publishToLocalSns(input as { TopicArn?: string; Message?: unknown });
    } else {
      // A Task without a local replacement would call real AWS: refuse to start rather than do that.
      throw new Error(`Task state ${stateName} uses ${resource}, which the local Step Functions runner cannot replace.`);
    }
  }
  return handlers;
}

async function publishToLocalSns(input: { TopicArn?: string; Message?: unknown }): Promise<JsonValue> {
  const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
  const client = new SNSClient({});
  try {
    const message = typeof input.Message === 'string' ? input.Message : JSON.stringify(input.Message);
    const result = await client.send(new PublishCommand({ TopicArn: input.TopicArn, Message: message }));
    return { MessageId: result.MessageId ?? randomUUID() };
  } finally {
    client.destroy();
  }
}
