import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import { checkReadiness } from '#shared/use-cases/system/readiness';
import { readinessProbes } from '#shared/wiring/readiness';

// Built at start: a missing table, queue or Abhi URL fails the cold start with one sentence.
const probes = readinessProbes();

/** Readiness: 200 only when PostgreSQL, DynamoDB, SQS and Abhi all answer; 503 with the failing checks otherwise. */
export const handler = apiHandler('getReady', NO_REQUESTS, async () => {
  const { ready, checks } = await checkReadiness(probes);
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks } };
});
