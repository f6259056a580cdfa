import { abhiClientFromEnv, type AbhiClient } from '#shared/abhi/client';

let client: AbhiClient | undefined;

/**
 * The process's one Abhi client (DynamoDB-backed token, rate limit, breaker and cache; credentials from Secrets
 * Manager), built on first use: functions that never call Abhi need none of its configuration.
 */
export function abhiClient(): AbhiClient {
  return (client ??= abhiClientFromEnv());
}
