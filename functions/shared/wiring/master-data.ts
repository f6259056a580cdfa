import type { AbhiDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';

/** Composition root of functions/master-data: it reads from Abhi and needs nothing else. */
let deps: AbhiDeps | undefined;

export function masterDataDeps(): AbhiDeps {
  return (deps ??= {
    get abhi() {
      return abhiClient();
    },
  });
}
