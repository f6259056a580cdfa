import { randomBytes } from 'node:crypto';
import { startDynamoDbLocal, createTables } from '../../infra/local/services/dynamodb-local';
import { startSqsLocal, createMessaging } from '../../infra/local/services/sqs-local';
import { startPostgres, createDatabase } from '../../infra/local/services/postgres-local';
import { startSecretsLocal } from '../../infra/local/services/secrets-local';
import { LOCAL_AWS_ENV } from '../../infra/local/services/aws-local';
import { migrateUp } from '#shared/db/migrate';

export interface TestServices {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Brings the stand-ins up in parallel (about 3 s here) and migrates a fresh database. */
export async function startTestServices(): Promise<TestServices> {
  const [dynamo, sqs, postgres, secrets] = await Promise.all([startDynamoDbLocal(), startSqsLocal(), startPostgres(), startSecretsLocal()]);
  const prefix = 'test';
  const [tables, messaging, databaseUrl] = await Promise.all([
    createTables(dynamo.endpoint, prefix),
    createMessaging(sqs.endpoint, prefix, { visibilityTimeoutSeconds: 2 }),
    createDatabase(postgres.adminUrl, 'abhi_ewa_test', { recreate: true }),
  ]);
  await migrateUp(databaseUrl);
  const dataKey = randomBytes(32).toString('base64');
  secrets.put('local/data-key', { key: dataKey });
  const env: Record<string, string> = {
    ...LOCAL_AWS_ENV,
    STAGE: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SNS: sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    SECRETS_ENDPOINT: secrets.endpoint,
    DATABASE_URL: databaseUrl,
    POSTGRES_ADMIN_URL: postgres.adminUrl,
    STATE_TABLE_NAME: tables.stateTable,
    IDEMPOTENCY_TABLE_NAME: tables.idempotencyTable,
    DATA_KEY_SECRET_ID: 'local/data-key',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...messaging.env,
  };
  return {
    env,
    stop: async () => {
      await Promise.allSettled([dynamo.stop(), sqs.stop(), postgres.stop(), secrets.stop()]);
    },
  };
}
