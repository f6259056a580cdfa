import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SfnError } from './errors';
import type { ExecutionStore } from './executions';
import type { TaskTokens } from './task-tokens';

export type SfnOperations = Record<string, (input: Record<string, unknown>) => unknown>;

/** The Step Functions API operations the functions and tests call, answered from the local executions and tokens. */
export function sfnOperations(stateMachineArn: string, executions: ExecutionStore, tokens: TaskTokens): SfnOperations {
  return {
    StartExecution(input) {
      if (input.stateMachineArn !== stateMachineArn) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(input.stateMachineArn)}'`);
      const name = typeof input.name === 'string' && input.name ? input.name : randomUUID();
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
      const executionInput = typeof input.input === 'string' ? input.input : '{}';
      const executionArn = executions.arnOf(name);
      const existing = executions.records.get(executionArn);
      if (existing) {
        // As in AWS: the same name and input while running is idempotent, anything else is refused.
        if (existing.status === 'RUNNING' && existing.input === executionInput) return { executionArn, startDate: epochSeconds(existing.startDate) };
        throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const record = executions.start(name, executionInput);
      return { executionArn, startDate: epochSeconds(record.startDate) };
    },
    DescribeExecution(input) {
      const record = executions.records.get(String(input.executionArn));
      if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
      return {
        executionArn: record.executionArn,
        stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startDate),
        ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
        input: record.input,
        ...(record.output !== undefined ? { output: record.output } : {}),
        ...(record.error !== undefined ? { error: record.error } : {}),
        ...(record.cause !== undefined ? { cause: record.cause } : {}),
      };
    },
    ListExecutions(input) {
      const filter = typeof input.statusFilter === 'string' ? input.statusFilter : undefined;
      return {
        executions: [...executions.records.values()]
          .filter((e) => !filter || e.status === filter)
          .map((e) => ({
            executionArn: e.executionArn,
            stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: epochSeconds(e.startDate),
            ...(e.stopDate ? { stopDate: epochSeconds(e.stopDate) } : {}),
          })),
      };
    },
    SendTaskSuccess(input) {
      tokens.succeed(input.taskToken, input.output);
      return {};
    },
    SendTaskFailure(input) {
      tokens.fail(input.taskToken, input.error, input.cause);
      return {};
    },
    SendTaskHeartbeat(input) {
      tokens.heartbeat(input.taskToken);
      return {};
    },
    StopExecution(input) {
      const record = executions.records.get(String(input.executionArn));
      if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
      if (record.status === 'RUNNING') {
        record.status = 'ABORTED';
        if (typeof input.error === 'string') record.error = input.error;
        if (typeof input.cause === 'string') record.cause = input.cause;
        record.abort();
      }
      return { stopDate: epochSeconds(new Date()) };
    },
  };
}

/**
 * A node:http endpoint on 127.0.0.1:`port` speaking the Step Functions JSON 1.0 protocol (`X-Amz-Target:
 * AWSStepFunctions.<Operation>`), so functions use the real `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN`.
 */
export async function listenSfnJsonProtocol(port: number, operations: SfnOperations): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, payload: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': randomUUID(),
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(payload));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('AWSStepFunctions.') ? operations[target.slice('AWSStepFunctions.'.length)] : undefined;
      if (!operation) return reply(400, { __type: 'UnknownOperationException', message: `${target} is not supported by the local Step Functions endpoint.` }, 'UnknownOperationException');
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        return reply(200, operation(body ? (JSON.parse(body) as Record<string, unknown>) : {}));
      } catch (error) {
        if (error instanceof SfnError) return reply(error.status, { __type: error.type, message: error.message }, error.type);
        return reply(500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) }, 'InternalFailure');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
