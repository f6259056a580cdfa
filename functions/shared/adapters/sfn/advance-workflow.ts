import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { envVar, loadConfig } from '#shared/config';
import type { WorkflowPort } from '#shared/use-cases/advances/ports';

/**
 * The advance state machine through the Step Functions API. The endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_SFN` (the local stack points it at infra/local/services/step-functions-local.ts), the machine
 * from `ADVANCE_STATE_MACHINE_ARN`, read on first use.
 */
let client: SFNClient | undefined;
let stateMachineArn: string | undefined;

function sfn(): SFNClient {
  client ??= new SFNClient({ maxAttempts: 4 });
  return client;
}

function machineArn(): string {
  stateMachineArn ??= loadConfig({ ADVANCE_STATE_MACHINE_ARN: envVar.text() }).ADVANCE_STATE_MACHINE_ARN;
  return stateMachineArn;
}

/** The execution ARN of `name` on a state machine (the same shape Step Functions returns). */
export function executionArnFor(machine: string, name: string): string {
  return `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Token errors mean the task no longer waits: answered already, timed out, or its execution ended. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export function sfnWorkflowPort(options: { client?: SFNClient; stateMachineArn?: string } = {}): WorkflowPort {
  const sfnClient = () => options.client ?? sfn();
  const arn = () => options.stateMachineArn ?? machineArn();
  return {
    async start(requestId) {
      try {
        const result = await sfnClient().send(
          new StartExecutionCommand({ stateMachineArn: arn(), name: requestId, input: JSON.stringify({ requestId }) }),
        );
        return { executionArn: result.executionArn ?? executionArnFor(arn(), requestId), alreadyStarted: false };
      } catch (error) {
        // The execution is named after the request: a second start is a no-op.
        if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return { executionArn: executionArnFor(arn(), requestId), alreadyStarted: true };
        throw error;
      }
    },
    async sendSuccess(taskToken, output) {
      try {
        await sfnClient().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) }));
        return 'sent';
      } catch (error) {
        if (GONE.has((error as { name?: string }).name ?? '')) return 'gone';
        throw error;
      }
    },
    async sendFailure(taskToken, error, cause) {
      try {
        await sfnClient().send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }));
        return 'sent';
      } catch (failure) {
        if (GONE.has((failure as { name?: string }).name ?? '')) return 'gone';
        throw failure;
      }
    },
  };
}
