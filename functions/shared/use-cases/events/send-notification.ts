import type { NotificationRecord, NotificationTarget } from '#shared/adapters/postgres/notifications-repository';
import type { NotificationSender } from '#shared/events/notification-senders';
import { compose, isNotifiable, type OutgoingNotification } from '#shared/events/notifications';
import { composeForOrganization, isOrganizationNotifiable } from '#shared/events/organization-notifications';
import type { DomainEvent } from '#shared/events/types';
import { logger } from '#shared/observability';
import { resolveNotificationSettings } from '#shared/schemas/organizations';

/** The notification consumer's ports: who to tell (PostgreSQL), how to send, and the `notifications` log. */
export interface NotificationDeps {
  readonly sender: NotificationSender;
  /** false for the local mailbox: it sends nothing, so recording a message is its delivery. */
  readonly sendsForReal: boolean;
  notificationTarget(employeeId: string): Promise<NotificationTarget | undefined>;
  /** `null` when the organization has no settings of its own; undefined when there is no such organization. */
  organizationNotificationSettings(organizationId: string): Promise<unknown>;
  notificationExists(eventId: string, channel: string, recipient: string): Promise<boolean>;
  insertNotifications(records: readonly NotificationRecord[]): Promise<number>;
}

/**
 * Tells the employee (and HR, for some events) what happened, by e-mail, SMS and push as the organization's
 * notification settings allow; organization events go to the organization's team mailbox. Every message is recorded
 * in the `notifications` table (locally that table is the mailbox; see events/notification-senders.ts).
 */
export async function sendNotifications(deps: NotificationDeps, event: DomainEvent): Promise<void> {
  if (isOrganizationNotifiable(event.type)) return notifyOrganization(deps, event);
  if (!isNotifiable(event.type)) return;
  const employeeId = typeof event.payload.employeeId === 'string' ? event.payload.employeeId : undefined;
  if (!employeeId) {
    logger.warn('Event names no employee; nobody to notify', { eventId: event.id, type: event.type });
    return;
  }
  const target = await deps.notificationTarget(employeeId);
  // A deleted employee hears only that they were deactivated.
  if (!target || (target.status === 'deleted' && event.type !== 'employee.deleted')) return;
  const settings = resolveNotificationSettings(target.notification_settings);
  const messages = compose(event, { employeeId, firstName: target.first_name, email: target.email, phone: target.phone, locale: target.preferred_locale }, settings);
  await deliver(deps, event, target.organization_id, employeeId, messages);
}

/** HR's and finance's notices (an import finished, reconciliation differences): the organization's team mailbox. */
async function notifyOrganization(deps: NotificationDeps, event: DomainEvent): Promise<void> {
  const organizationId = event.organizationId;
  const stored = organizationId ? await deps.organizationNotificationSettings(organizationId) : undefined;
  if (!organizationId || stored === undefined) {
    logger.warn('Event names no known organization; nobody to notify', { eventId: event.id, type: event.type });
    return;
  }
  await deliver(deps, event, organizationId, null, composeForOrganization(event, resolveNotificationSettings(stored)));
}

async function deliver(deps: NotificationDeps, event: DomainEvent, organizationId: string, employeeId: string | null, messages: OutgoingNotification[]): Promise<void> {
  const records: NotificationRecord[] = [];
  for (const message of messages) {
    // A message already recorded was delivered by an earlier attempt of this event: never send it twice. (The
    // mailbox sends nothing, so its insert alone, ON CONFLICT DO NOTHING, is enough.)
    if (deps.sendsForReal && (await deps.notificationExists(event.id, message.channel, message.recipient))) continue;
    const delivery = await deps.sender.send(message);
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
    if (deps.sendsForReal) await deps.insertNotifications(records.splice(0));
  }
  await deps.insertNotifications(records);
}
