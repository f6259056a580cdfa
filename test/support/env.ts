/** The endpoints and names the global setup exported, for tests that build their own clients. */
export function testEnv() {
  const get = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: the vitest global setup did not run.`);
    return value;
  };
  return {
    dynamoEndpoint: get('AWS_ENDPOINT_URL_DYNAMODB'),
    sqsEndpoint: get('AWS_ENDPOINT_URL_SQS'),
    secretsEndpoint: get('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
    databaseUrl: get('DATABASE_URL'),
    postgresAdminUrl: get('POSTGRES_ADMIN_URL'),
    stateTable: get('STATE_TABLE_NAME'),
    idempotencyTable: get('IDEMPOTENCY_TABLE_NAME'),
    get: (name: string) => get(name),
  };
}
