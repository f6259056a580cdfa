import { apiHandler } from '#shared/http/api-handler';
import { NO_REQUESTS } from '#shared/schemas/catalog';
import { envVar, loadConfig } from '#shared/config';
import { checkReadiness, platformProbes } from '#shared/readiness';
import { registerAuditDatabase } from '#shared/auth/audit';
import { getPool } from '#shared/db/pool';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

const config = loadConfig({
  STATE_TABLE_NAME: envVar.text(),
  QUEUE_URL_NOTIFICATIONS: envVar.text(),
  ABHI_BASE_URL: envVar.url(),
});

const probes = platformProbes({
  stateTable: config.STATE_TABLE_NAME,
  queueUrl: config.QUEUE_URL_NOTIFICATIONS,
  abhiBaseUrl: config.ABHI_BASE_URL,
});

/** Readiness: 200 only when PostgreSQL, DynamoDB, SQS and Abhi all answer; 503 with the failing checks otherwise. */
export const handler = apiHandler('getReady', NO_REQUESTS, async () => {
  const { ready, checks } = await checkReadiness(probes);
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks } };
});
