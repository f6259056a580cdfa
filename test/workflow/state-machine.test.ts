import { createRequire } from 'node:module';
import {
  DescribeExecutionCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVANCE_TASK_NAMES, ADVANCE_WORKFLOW_TASKS, AdvanceWorkflow, type AdvanceTaskName } from '../../infra/constructs/advance-workflow';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import {
  startStepFunctionsLocal,
  synthesizeAdvanceWorkflowDefinition,
  taskStates,
  type AslDefinition,
  type StepFunctionsLocal,
} from '../../infra/local/services/step-functions-local';
import { sfnWorkflowPort } from '#shared/adapters/sfn/advance-workflow';
import { WORKFLOW_ERRORS } from '#shared/use-cases/advances/workflow-contract';

type Validator = (definition: unknown, options?: object) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

describe('advance state machine: the definition CDK synthesizes', () => {
  let definition: AslDefinition;
  beforeAll(() => {
    definition = synthesizeAdvanceWorkflowDefinition();
  });

  it('passes asl-validator 4 (targets, terminal states, paths, ARNs)', () => {
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is JSONPath only (aws-local-stepfunctions ignores JSONata) and every Task is one of our functions', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/JSONata/i);
    expect(text).not.toMatch(/"Arguments"|"Output"|"Assign"/);
    const tasks = taskStates(definition);
    const functionNames = [...tasks.values()].map((state) => {
      const resource = String(state.Resource);
      const fn = resource.startsWith('arn:aws:lambda:') ? resource : String((state.Parameters as Record<string, unknown>).FunctionName);
      return fn.split(':').at(-1);
    });
    expect(new Set(functionNames)).toEqual(new Set(ADVANCE_TASK_NAMES));
    for (const name of ADVANCE_TASK_NAMES) expect(ADVANCE_WORKFLOW_TASKS[name]).toMatch(/^workflow\/[a-z-]+$/);
  });

  it('an advance in flight waits out an Abhi outage (AbhiUnavailable) for at most about 30 minutes on every Abhi step', () => {
    const states = definition.States as Record<string, { Type: string; Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number; MaxDelaySeconds?: number }[] }>;
    const worstCaseSeconds = (retry: { IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number; MaxDelaySeconds?: number }) => {
      let total = 0;
      for (let attempt = 0; attempt < (retry.MaxAttempts ?? 3); attempt++) {
        total += Math.min(retry.MaxDelaySeconds ?? Infinity, (retry.IntervalSeconds ?? 1) * (retry.BackoffRate ?? 2) ** attempt);
      }
      return total;
    };
    // Task states may sit inside a Parallel's branches: walk them all.
    const all: [string, (typeof states)[string]][] = [];
    const walk = (s: Record<string, unknown>) => {
      for (const [name, state] of Object.entries(s) as [string, { Branches?: { States: Record<string, unknown> }[] }][]) {
        all.push([name, state as (typeof states)[string]]);
        for (const branch of state.Branches ?? []) walk(branch.States);
      }
    };
    walk(states);
    const waiting = all.flatMap(([name, state]) => (state.Retry ?? []).filter((r) => r.ErrorEquals.includes(WORKFLOW_ERRORS.abhiUnavailable)).map((r) => [name, r] as const));
    expect(waiting.map(([name]) => name)).toContain('CreateAdvance');
    for (const [name, retry] of waiting) {
      const minutes = worstCaseSeconds(retry) / 60;
      expect(minutes, name).toBeGreaterThanOrEqual(25);
      expect(minutes, name).toBeLessThanOrEqual(31);
    }
  });

  it('waits for approval with a task token and the policy TTL as TimeoutSecondsPath', () => {
    const wait = taskStates(definition).get('WaitForApproval')!;
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.TimeoutSecondsPath).toBe('$.Payload.approvalTimeoutSeconds');
    expect(definition.States.PrepareApproval).toMatchObject({ Type: 'Pass', ResultPath: '$.Payload', Next: 'WaitForApproval' });
    expect((wait.Parameters as { Payload: Record<string, unknown> }).Payload['taskToken.$']).toBe('$$.Task.Token');
    const create = taskStates(definition).get('CreateAdvance')!;
    expect(JSON.stringify(create.Retry)).toContain(WORKFLOW_ERRORS.abhiOutcomeUnknown);
    expect(definition.States.RunChecks!.Type).toBe('Parallel');
    expect((definition.States.RunChecks!.Branches as AslDefinition[]).map((b) => b.StartAt)).toEqual(['CheckAbhiEligibility', 'CheckEmployee', 'CheckBalance', 'CheckPolicy']);
  });
});

describe('AdvanceWorkflow construct options', () => {
  it('logs and traces when asked, and publishes to an approval topic (failure tolerated) before waiting', () => {
    const app = new App();
    const stack = new Stack(app, 'Options');
    const tasks = Object.fromEntries(
      ADVANCE_TASK_NAMES.map((n) => [n, lambda.Function.fromFunctionArn(stack, n, `arn:aws:lambda:us-east-1:000000000000:function:${n}`)]),
    ) as Record<AdvanceTaskName, lambda.IFunction>;
    const topic = sns.Topic.fromTopicArn(stack, 'Approvals', 'arn:aws:sns:us-east-1:000000000000:approvals');
    new AdvanceWorkflow(stack, 'Workflow', { tasks, approvalNotificationTopic: topic, logging: { level: sfn.LogLevel.ALL }, stateMachineName: 'advance' });
    const template = app.synth().getStackByName('Options').template as { Resources: Record<string, { Type: string; Properties: any }> };
    const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::Logs::LogGroup')).toBe(true);
    const text = (machine.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'aws')).join('');
    const definition = JSON.parse(text) as AslDefinition;
    expect(definition.States.PrepareApproval!.Next).toBe('NotifyApprovers');
    expect(definition.States.NotifyApprovers).toMatchObject({ Resource: 'arn:aws:states:::sns:publish', Next: 'WaitForApproval', Catch: [{ Next: 'WaitForApproval' }] });
    expect(aslValidator(definition, { checkPaths: true, checkArn: true }).isValid).toBe(true);
  });
});

/**
 * The local Step Functions endpoint driven through the real @aws-sdk/client-sfn. The task functions are scripted
 * here (stand-ins keyed by the request id) so every path of the state machine can be forced; the end-to-end tests
 * run the real functions.
 */
describe('local Step Functions endpoint with scripted task handlers', () => {
  let local: StepFunctionsLocal;
  let client: SFNClient;
  const tokens = new Map<string, string>();
  const calls = new Map<string, string[]>();
  const resolveSignals = new Map<string, unknown>();
  const note = (requestId: string, task: string) => calls.set(requestId, [...(calls.get(requestId) ?? []), task]);
  const scenario = (requestId: string) => requestId.split('-')[0]!;

  beforeAll(async () => {
    const script: Record<string, (input: any) => Promise<unknown>> = {
      loadRequest: async (input) => ({ requestId: input.requestId, organizationId: 'org-1', employeeId: 'emp-1', amount: '100.00', status: 'PENDING_VALIDATION' }),
      checkAbhiEligibility: async () => ({ check: 'abhi', reasons: [] }),
      checkEmployee: async () => ({ check: 'employee', reasons: [] }),
      checkBalance: async () => ({ check: 'balance', reasons: [] }),
      checkPolicy: async () => ({ check: 'policy', reasons: [] }),
      decide: async (input) => {
        const s = scenario(input.requestId);
        if (s === 'reject') return { outcome: 'REJECT', reasons: [] };
        if (s === 'approve' || s === 'deny') return { outcome: 'APPROVAL_REQUIRED', approvalTimeoutSeconds: 30 };
        if (s === 'expire') return { outcome: 'APPROVAL_REQUIRED', approvalTimeoutSeconds: 1 };
        return { outcome: 'AUTO_APPROVE' };
      },
      requestApproval: async (input) => {
        tokens.set(input.requestId, input.taskToken);
        return { status: 'PENDING_APPROVAL' };
      },
      resolveApproval: async (input) => {
        resolveSignals.set(input.requestId, input.signal);
        if (input.signal?.signal === 'approved') return { outcome: 'PROCEED' };
        if (input.signal?.Error === 'States.Timeout') return { outcome: 'EXPIRED' };
        return { outcome: 'STOP', status: 'REJECTED' };
      },
      createAdvance: async (input) => {
        const attempts = (calls.get(input.requestId) ?? []).filter((c) => c === 'createAdvance').length;
        if (scenario(input.requestId) === 'flaky' && attempts <= 2) {
          const error = new Error('dropped response');
          error.name = WORKFLOW_ERRORS.abhiOutcomeUnknown;
          throw error;
        }
        if (scenario(input.requestId) === 'refused') {
          const error = new Error('Advance not allowed: exceeds the available amount');
          error.name = WORKFLOW_ERRORS.abhiRejected;
          throw error;
        }
        return { abhiTransactionId: `abhi-${input.requestId}`, via: 'created' };
      },
      recordAdvance: async (input) => {
        if (scenario(input.requestId) === 'stuck') throw new Error('database unavailable');
        return { status: 'COMPLETED', recorded: true };
      },
      recordFailure: async (input) => ({ outcome: 'FAILED', error: input.error?.Error }),
      raiseRecordingStuck: async () => ({ raised: true }),
    };
    const taskOverrides = Object.fromEntries(
      Object.entries(script).map(([name, fn]) => [
        name,
        async (input: any) => {
          note(input.requestId, name);
          return fn(input);
        },
      ]),
    );
    local = await startStepFunctionsLocal({ retryIntervalMs: 5, taskOverrides });
    client = new SFNClient({ endpoint: local.endpoint, ...LOCAL_AWS });
  });
  afterAll(async () => {
    client?.destroy();
    await local?.stop();
  });

  const start = async (requestId: string) => {
    await client.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: requestId, input: JSON.stringify({ requestId }) }));
  };
  const finished = (requestId: string) => local.waitForExecution(requestId, 10_000);
  const waitForToken = async (requestId: string) => {
    for (let i = 0; i < 200 && !tokens.has(requestId); i++) await new Promise((r) => setTimeout(r, 10));
    return tokens.get(requestId)!;
  };

  it('runs the auto-approved path: checks in parallel, create, record', async () => {
    await start('auto-1');
    const execution = await finished('auto-1');
    expect(execution.status).toBe('SUCCEEDED');
    const sequence = calls.get('auto-1')!;
    expect(sequence[0]).toBe('loadRequest');
    expect(sequence.slice(1, 5).sort()).toEqual(['checkAbhiEligibility', 'checkBalance', 'checkEmployee', 'checkPolicy']);
    expect(sequence.slice(5)).toEqual(['decide', 'createAdvance', 'recordAdvance']);
    const described = await client.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).creation.abhiTransactionId).toBe('abhi-auto-1');
  });

  it('a repeated StartExecution is idempotent while running and ExecutionAlreadyExists otherwise (the port treats both as started)', async () => {
    await start('approve-dup');
    await waitForToken('approve-dup');
    await start('approve-dup'); // same name and input while running: the same execution
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: 'approve-dup', input: JSON.stringify({ requestId: 'other' }) })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    const port = sfnWorkflowPort({ client, stateMachineArn: local.stateMachineArn });
    await expect(port.start('approve-dup')).resolves.toMatchObject({ executionArn: expect.stringContaining(':execution:') });
    expect(local.executions().filter((e) => e.name === 'approve-dup')).toHaveLength(1);
    await client.send(new SendTaskHeartbeatCommand({ taskToken: tokens.get('approve-dup')! }));
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens.get('approve-dup')!, output: JSON.stringify({ signal: 'approved', actor: 'fm' }) }));
    expect((await finished('approve-dup')).status).toBe('SUCCEEDED');
    await expect(port.start('approve-dup')).resolves.toMatchObject({ alreadyStarted: true });
    expect(calls.get('approve-dup')).toContain('createAdvance');
  });

  it('SendTaskFailure wakes the waiting task into ResolveApproval with the error', async () => {
    await start('deny-1');
    const token = await waitForToken('deny-1');
    await client.send(new SendTaskFailureCommand({ taskToken: token, error: WORKFLOW_ERRORS.approvalRejected, cause: '{"actor":"fm"}' }));
    expect((await finished('deny-1')).status).toBe('SUCCEEDED');
    expect(resolveSignals.get('deny-1')).toMatchObject({ Error: WORKFLOW_ERRORS.approvalRejected, Cause: '{"actor":"fm"}' });
    expect(calls.get('deny-1')).not.toContain('createAdvance');
    // The token is spent: answering again is refused like AWS does.
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('an unanswered approval times out through TimeoutSecondsPath (States.Timeout → ResolveApproval)', async () => {
    await start('expire-1');
    const token = await waitForToken('expire-1');
    const execution = await finished('expire-1');
    expect(execution.status).toBe('SUCCEEDED');
    expect(resolveSignals.get('expire-1')).toMatchObject({ Error: 'States.Timeout' });
    expect(execution.events.some((e) => e.type === 'StateFailed' && e.state === 'WaitForApproval' && e.error === 'States.Timeout')).toBe(true);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('retries an unknown create outcome with backoff (retry pauses shortened for the test)', async () => {
    await start('flaky-1');
    expect((await finished('flaky-1')).status).toBe('SUCCEEDED');
    expect(calls.get('flaky-1')!.filter((c) => c === 'createAdvance')).toHaveLength(3);
  });

  it('Abhi refusing the create goes to RecordFailure with the error', async () => {
    await start('refused-1');
    const execution = await finished('refused-1');
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.get('refused-1')).toEqual(expect.arrayContaining(['createAdvance', 'recordFailure']));
    expect(JSON.parse(execution.output!).failure.error).toBe(WORKFLOW_ERRORS.abhiRejected);
  });

  it('recording that keeps failing raises AdvanceRecordingStuck and ends the execution FAILED', async () => {
    await start('stuck-1');
    const execution = await finished('stuck-1');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('AdvanceRecordingStuck');
    const sequence = calls.get('stuck-1')!;
    expect(sequence.filter((c) => c === 'recordAdvance')).toHaveLength(7);
    expect(sequence.at(-1)).toBe('raiseRecordingStuck');
  });

  it('StopExecution aborts a waiting execution', async () => {
    await start('approve-stop');
    await waitForToken('approve-stop');
    const arn = local.executions().find((e) => e.name === 'approve-stop')!.executionArn;
    await client.send(new StopExecutionCommand({ executionArn: arn, error: 'Test', cause: 'stopped by the test' }));
    const described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described.status).toBe('ABORTED');
  });
});
