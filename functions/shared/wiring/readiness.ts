import { platformProbes } from '#shared/adapters/readiness-probes';
import { registerAuditDatabase } from '#shared/auth/audit';
import { envVar, loadConfig } from '#shared/config';
import { getPool } from '#shared/db/pool';
import type { ReadinessProbes } from '#shared/use-cases/system/readiness';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/**
 * Composition root of system/get-ready (its own file: /health and the documents carry no database or SDK clients):
 * the probes of the state table, the notifications queue, PostgreSQL and Abhi's base URL.
 */
export function readinessProbes(): ReadinessProbes {
  const config = loadConfig({
    STATE_TABLE_NAME: envVar.text(),
    QUEUE_URL_NOTIFICATIONS: envVar.text(),
    ABHI_BASE_URL: envVar.url(),
  });
  return platformProbes({ stateTable: config.STATE_TABLE_NAME, queueUrl: config.QUEUE_URL_NOTIFICATIONS, abhiBaseUrl: config.ABHI_BASE_URL });
}
