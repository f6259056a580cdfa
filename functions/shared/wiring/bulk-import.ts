import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import type { ImportStartDeps } from '#shared/use-cases/employees/context';
import { importPorts } from './employees';

/** POST /employees/bulk: the import's ports and the `employee-import` queue, which only the route fills (ADR 0024). */
let deps: ImportStartDeps | undefined;

export function bulkImportDeps(): ImportStartDeps {
  return (deps ??= importPorts({ importQueue: sqsWorkQueue('employee-import') }));
}
