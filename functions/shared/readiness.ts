import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getPool } from '#shared/db/pool';

/**
 * Readiness: every dependency answers. Each probe is bounded (2 s) and failures carry no internals beyond a
 * short reason, since /ready is public.
 */
export interface DependencyCheck {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface ReadinessProbes {
  readonly [name: string]: () => Promise<void>;
}

const PROBE_TIMEOUT_MS = 2_000;

export async function checkReadiness(probes: ReadinessProbes): Promise<{ ready: boolean; checks: Record<string, DependencyCheck> }> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      const started = performance.now();
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref()),
        ]);
        return [name, { ok: true, latencyMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const reason = error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unavailable';
        return [name, { ok: false, latencyMs: Math.round(performance.now() - started), error: reason }] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, check]) => check.ok), checks };
}

let dynamo: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;

/** The platform's dependencies: PostgreSQL, DynamoDB, SQS and Abhi. */
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
