import { postgresReconciliationReports } from '#shared/adapters/postgres/reconciliation-reports';
import type { ReconciliationDeps } from '#shared/use-cases/reconciliation/reconcile';
import { transactionDeps } from './advances';

/**
 * Composition root of a reconciliation run (the schedule's function and the `reconciliation-requests` consumer): the
 * advance ports (#shared/wiring/advances) and the reports. Apart from ./reconciliation so the report routes' bundles
 * leave the advance ports out.
 */
let run: ReconciliationDeps | undefined;

export function reconciliationDeps(): ReconciliationDeps {
  return (run ??= { ...transactionDeps(), reconciliationReports: postgresReconciliationReports });
}
