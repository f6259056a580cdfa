import { postgresPersonalDataStore } from '#shared/adapters/postgres/personal-data-erasure';
import { withTransaction } from '#shared/db/pool';
import type { ErasureDeps } from '#shared/use-cases/employees/erase-personal-data';

/** The scheduled personal-data erasure: PostgreSQL only. */
export function personalDataErasureDeps(): ErasureDeps {
  return { store: postgresPersonalDataStore((work) => withTransaction(work)), now: () => new Date() };
}
