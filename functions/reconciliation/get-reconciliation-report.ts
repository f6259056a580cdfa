import { getPool } from '#shared/db/pool';
import { apiHandler } from '#shared/http/api-handler';
import { RECONCILIATION_REQUESTS } from '#shared/schemas/reconciliation';
import { getReconciliationReport } from '#shared/use-cases/reconciliation/reports';
import { registerAuditDatabase } from '#shared/auth/audit';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/** GET /reconciliation/reports/{id}: one report with its counts, fixed and mismatch findings and plain-text summary. */
export const handler = apiHandler('getReconciliationReport', RECONCILIATION_REQUESTS, async (req) => ({
  status: 200,
  body: await getReconciliationReport(getPool(), req.params.id),
}));
