import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getPool } from '#shared/db/pool';
import { PROBE_TIMEOUT_MS, type ReadinessProbes } from '#shared/use-cases/system/readiness';

let dynamo: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;

/** Probes of the platform's dependencies (PostgreSQL, DynamoDB, SQS, Abhi): one cheap call each, never retried. */
export function platformProbes(env: { stateTable: string; queueUrl: string; abhiBaseUrl: string }): ReadinessProbes {
  dynamo ??= new DynamoDBClient({ maxAttempts: 1 });
  sqs ??= new SQSClient({ maxAttempts: 1 });
  return {
    postgres: async () => {
      await getPool().query('SELECT 1');
    },
    dynamodb: async () => {
      await dynamo!.send(new DescribeTableCommand({ TableName: env.stateTable }));
    },
    sqs: async () => {
      await sqs!.send(new GetQueueAttributesCommand({ QueueUrl: env.queueUrl, AttributeNames: ['QueueArn'] }));
    },
    // Any HTTP answer proves Abhi is reachable; no credentials are spent on a probe.
    abhi: async () => {
      await fetch(env.abhiBaseUrl, { method: 'GET', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then((r) => r.body?.cancel());
    },
  };
}
