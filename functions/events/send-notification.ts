import { getPool } from '#shared/db/pool';
import {
  insertNotifications,
  notificationExists,
  notificationTarget,
  organizationNotificationSettings,
  type NotificationRecord,
} from '#shared/adapters/postgres/notifications-repository';
import { eventConsumer } from '#shared/events/consumer';
import { mailboxSender, notificationSenderFromEnv } from '#shared/events/notification-senders';
import { compose, isNotifiable, type OutgoingNotification } from '#shared/events/notifications';
import { composeForOrganization, isOrganizationNotifiable } from '#shared/events/organization-notifications';
import type { DomainEvent } from '#shared/events/types';
import { logger } from '#shared/observability';
import { resolveNotificationSettings } from '#shared/schemas/organizations';

/**
 * Consumer of the `notifications` queue: tells the employee (and HR, for some events) what happened, by e-mail, SMS
 * and push as the organization's notification settings allow. Locally every message is captured in the
 * `notifications` table (the mailbox); see notification-senders.ts.
 */
const sender = notificationSenderFromEnv();

export const handler = eventConsumer('send-notification', async (event) => {
  if (isOrganizationNotifiable(event.type)) return notifyOrganization(event);
  if (!isNotifiable(event.type)) return;
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  if (!employeeId) {
    logger.warn('Event names no employee; nobody to notify', { eventId: event.id, type: event.type });
    return;
  }
  const db = getPool();
  const target = await notificationTarget(db, employeeId);
  // A deleted employee hears only that they were deactivated.
  if (!target || (target.status === 'deleted' && event.type !== 'employee.deleted')) return;
  const settings = resolveNotificationSettings(target.notification_settings);
  const messages = compose(event, { employeeId, firstName: target.first_name, email: target.email, phone: target.phone, locale: target.preferred_locale }, settings);
  await deliver(event, target.organization_id, employeeId, messages);
});

/** HR's and finance's notices (an import finished, reconciliation differences): the organization's team mailbox. */
async function notifyOrganization(event: DomainEvent): Promise<void> {
  const organizationId = event.organizationId;
  const stored = organizationId ? await organizationNotificationSettings(getPool(), organizationId) : undefined;
  if (!organizationId || stored === undefined) {
    logger.warn('Event names no known organization; nobody to notify', { eventId: event.id, type: event.type });
    return;
  }
  await deliver(event, organizationId, null, composeForOrganization(event, resolveNotificationSettings(stored)));
}

async function deliver(event: DomainEvent, organizationId: string, employeeId: string | null, messages: OutgoingNotification[]): Promise<void> {
  const db = getPool();
  const records: NotificationRecord[] = [];
  for (const message of messages) {
    // A message already recorded was delivered by an earlier attempt of this event: never send it twice. (The
    // mailbox sends nothing, so its insert alone, ON CONFLICT DO NOTHING, is enough.)
    if (sender !== mailboxSender && (await notificationExists(db, event.id, message.channel, message.recipient))) continue;
    const delivery = await sender.send(message);
    records.push({
      eventId: event.id,
      eventType: event.type,
      organizationId,
      employeeId,
      channel: message.channel,
      recipient: message.recipient,
      subject: message.subject,
      body: message.body,
      status: delivery.status,
      providerMessageId: delivery.providerMessageId,
    });
    // A real send is recorded at once, so a crash later in the loop cannot make a redelivery send it again.
    if (sender !== mailboxSender) await insertNotifications(db, records.splice(0));
  }
  await insertNotifications(db, records);
}
