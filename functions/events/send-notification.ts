import { getPool } from '#shared/db/pool';
import {
  insertNotifications,
  notificationExists,
  notificationTarget,
  type NotificationRecord,
} from '#shared/adapters/postgres/notifications-repository';
import { eventConsumer } from '#shared/events/consumer';
import { mailboxSender, notificationSenderFromEnv } from '#shared/events/notification-senders';
import { compose, isNotifiable } from '#shared/events/notifications';
import { logger } from '#shared/observability';
import { resolveNotificationSettings } from '#shared/schemas/organizations';

/**
 * Consumer of the `notifications` queue: tells the employee (and HR, for some events) what happened, by e-mail, SMS
 * and push as the organization's notification settings allow. Locally every message is captured in the
 * `notifications` table (the mailbox); see notification-senders.ts.
 */
const sender = notificationSenderFromEnv();

export const handler = eventConsumer('send-notification', async (event) => {
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
  const messages = compose(event, { employeeId, firstName: target.first_name, email: target.email, phone: target.phone }, settings);
  const records: NotificationRecord[] = [];
  for (const message of messages) {
    // A message already recorded was delivered by an earlier attempt of this event: never send it twice. (The
    // mailbox sends nothing, so its insert alone, ON CONFLICT DO NOTHING, is enough.)
    if (sender !== mailboxSender && (await notificationExists(db, event.id, message.channel, message.recipient))) continue;
    const delivery = await sender.send(message);
    records.push({
      eventId: event.id,
      eventType: event.type,
      organizationId: target.organization_id,
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
});
