import {
  insertNotifications,
  notificationExists,
  notificationTarget,
  organizationNotificationSettings,
} from '#shared/adapters/postgres/notifications-repository';
import { getPool } from '#shared/db/pool';
import { mailboxSender, notificationSenderFromEnv } from '#shared/events/notification-senders';
import type { NotificationDeps } from '#shared/use-cases/events/send-notification';

/** Composition root of the notification consumer (functions/events/send-notification.ts). */
let notifications: NotificationDeps | undefined;

/** The sender the environment names (NOTIFICATION_DELIVERY, NOTIFICATION_EMAIL_FROM), the employee mirror and the `notifications` log. */
export function notificationDeps(): NotificationDeps {
  if (notifications) return notifications;
  const sender = notificationSenderFromEnv();
  return (notifications = {
    sender,
    sendsForReal: sender !== mailboxSender,
    notificationTarget: (employeeId) => notificationTarget(getPool(), employeeId),
    organizationNotificationSettings: (organizationId) => organizationNotificationSettings(getPool(), organizationId),
    notificationExists: (eventId, channel, recipient) => notificationExists(getPool(), eventId, channel, recipient),
    insertNotifications: (records) => insertNotifications(getPool(), records),
  });
}
