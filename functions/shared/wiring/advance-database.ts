import { registerAuditDatabase } from '#shared/auth/audit';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { postgresAdvanceRequests } from '#shared/adapters/postgres/advance-requests';
import { postgresLedger } from '#shared/adapters/postgres/ledger';
import { getPool, withTransaction } from '#shared/db/pool';
import { publishEvents, recordEvent } from '#shared/events/outbox';
import { metrics } from '#shared/observability';
import type { MetricsPort, WorkflowTaskDepsWithoutAbhi } from '#shared/use-cases/advances/ports';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

let deps: WorkflowTaskDepsWithoutAbhi | undefined;

/**
 * The advance ports that need no Abhi: PostgreSQL, the outbox and Powertools metrics. Its own module, so the workflow
 * tasks that never call Abhi (#shared/wiring/workflow) bundle no Abhi client; #shared/wiring/advances adds Abhi on top.
 */
export function advanceDatabaseDeps(): WorkflowTaskDepsWithoutAbhi {
  return (deps ??= {
    db: getPool(),
    transaction: (work) => withTransaction(work),
    advanceRequests: postgresAdvanceRequests,
    ledger: postgresLedger,
    events: {
      record: (db, event) => recordEvent(db, event),
      publish: async (ids) => {
        if (ids.length > 0) await publishEvents(ids);
      },
    },
    metrics: powertoolsMetrics(),
    now: () => new Date(),
  });
}

/** Alarm-worthy counters are published at once (EMF single metric), not left to a handler's flush. */
function powertoolsMetrics(): MetricsPort {
  return {
    count(name, value = 1, dimensions) {
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions ?? {})) single.addDimension(key, dimensionValue);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}
