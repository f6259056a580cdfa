import { eventConsumer } from '#shared/triggers/event-consumer';
import { logger } from '#shared/observability';
import { provisionUser } from '#shared/use-cases/identity/provisioning';
import { provisioningDeps } from '#shared/wiring/identity';

/**
 * Consumer of the `user-provisioning` queue (only where a stage configures `userProvisioning`): keeps the identity
 * provider's users in step with employees and organization admins. Each event re-reads the current row, so
 * redeliveries and reordering converge; a failed call is retried by SQS and ends in the DLQ (alarmed).
 */
const { reads, directory } = provisioningDeps();

// The work is idempotent (create-or-update, disable): a redelivery needs no dedupe record.
export const handler = eventConsumer(
  'provision-user',
  async (event) => {
    const action = await provisionUser(event, reads, directory);
    // Never the e-mail: it is personal data.
    logger.info('User provisioning', { eventId: event.id, type: event.type, action: action.kind, ...(action.kind === 'none' ? { reason: action.reason } : {}) });
  },
  { dedupe: false },
);
