import { fieldCipher } from '#shared/crypto/field-encryption';
import { publishEvents } from '#shared/events/outbox';
import type { BusinessDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { withPostgres } from './postgres';

type MirrorPorts = Pick<BusinessDeps, 'abhi' | 'cipher' | 'publishEvents' | 'db' | 'reader' | 'transaction'>;

/**
 * What every root that writes the mirror shares (employees, organizations, sync), added to its own `ports`: the
 * process's Abhi client and the field cipher (built on first use), the outbox relay to SNS, and PostgreSQL.
 */
export function withMirrorPorts<T extends object>(ports: T): T & MirrorPorts {
  const shared = Object.defineProperties(ports, {
    abhi: { get: () => abhiClient(), enumerable: true },
    cipher: { get: () => fieldCipher(), enumerable: true },
    publishEvents: { value: publishEvents, enumerable: true },
  }) as T & Pick<BusinessDeps, 'abhi' | 'cipher' | 'publishEvents'>;
  return withPostgres(shared);
}
