import { getPool, getReaderPool } from '#shared/db/pool';
import { apiHandler } from '#shared/http/api-handler';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { listReconciliationReports } from '#shared/use-cases/reconciliation/reports';
import { registerAuditDatabase } from '#shared/auth/audit';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/** GET /reconciliation/reports?status&page&limit: reconciliation reports, newest first, without their findings. */
export const handler = apiHandler('listReconciliationReports', RECONCILIATION_REQUESTS, async (req) => ({
  status: 200,
  body: await listReconciliationReports(getReaderPool(), req.query),
}));
