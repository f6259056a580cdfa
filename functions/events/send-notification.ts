import { eventConsumer } from '#shared/triggers/event-consumer';
import { sendNotifications } from '#shared/use-cases/events/send-notification';
import { notificationDeps } from '#shared/wiring/notifications';

/**
 * Consumer of the `notifications` queue: tells the employee (and HR, for some events) what happened, by e-mail, SMS
 * and push as the organization's notification settings allow. Locally every message is captured in the
 * `notifications` table (the mailbox); see events/notification-senders.ts.
 */
// Built at start: a sender misconfigured in the environment fails the cold start, not the first event.
const deps = notificationDeps();

export const handler = eventConsumer('send-notification', (event) => sendNotifications(deps, event));
