import type { Queryable } from '#shared/db/pool';

/**
 * The notification log (`notifications` table). Locally it is the mailbox: every e-mail, SMS and push the platform
 * would send is captured here instead, and tests read it back, e.g.
 *   SELECT channel, recipient, subject, body FROM notifications WHERE event_id = $1 ORDER BY channel;
 * In AWS it is the delivery record. One row per (event, channel, recipient): a redelivered event adds nothing.
 */
export interface NotificationRecord {
  eventId: string;
  eventType: string;
  organizationId: string | null;
  employeeId: string | null;
  channel: 'email' | 'sms' | 'push';
  recipient: string;
  subject: string | null;
  body: string;
  status: 'captured' | 'sent' | 'failed';
  providerMessageId?: string | null;
}

export interface NotificationRow {
  id: string;
  event_id: string;
  event_type: string;
  organization_id: string | null;
  employee_id: string | null;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
  status: string;
  provider_message_id: string | null;
  created_at: Date;
}

export interface NotificationTarget {
  employee_id: string;
  organization_id: string;
  first_name: string;
  email: string | null;
  phone: string | null;
  preferred_locale: 'en' | 'ar' | null;
  status: string;
  notification_settings: unknown;
}

/** The employee to notify with the organization's notification settings (one query). */
export async function notificationTarget(db: Queryable, employeeId: string): Promise<NotificationTarget | undefined> {
  const { rows } = await db.query<NotificationTarget>(
    `SELECT e.id AS employee_id, e.organization_id, e.first_name, e.email, e.phone, e.preferred_locale, e.status, o.notification_settings
     FROM employees e LEFT JOIN organizations o ON o.id = e.organization_id WHERE e.id = $1`,
    [employeeId],
  );
  return rows[0];
}

/** An organization's stored notification settings (`null` when it has none); undefined when there is no such organization. */
export async function organizationNotificationSettings(db: Queryable, organizationId: string): Promise<unknown> {
  const { rows } = await db.query<{ notification_settings: unknown }>('SELECT notification_settings FROM organizations WHERE id = $1', [organizationId]);
  return rows[0] ? (rows[0].notification_settings ?? null) : undefined;
}

/** Inserts the messages of one event in one statement; (event, channel, recipient) pairs already recorded are skipped. */
export async function insertNotifications(db: Queryable, records: readonly NotificationRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const params: unknown[] = [];
  const tuples = records.map((record) => {
    const values = [
      record.eventId,
      record.eventType,
      record.organizationId,
      record.employeeId,
      record.channel,
      record.recipient,
      record.subject,
      record.body,
      record.status,
      record.providerMessageId ?? null,
    ];
    const placeholders = values.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  const { rowCount } = await db.query(
    `INSERT INTO notifications (event_id, event_type, organization_id, employee_id, channel, recipient, subject, body, status, provider_message_id)
     VALUES ${tuples.join(', ')} ON CONFLICT (event_id, channel, recipient) DO NOTHING`,
    params,
  );
  return rowCount ?? 0;
}

export async function notificationExists(db: Queryable, eventId: string, channel: string, recipient: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM notifications WHERE event_id = $1 AND channel = $2 AND recipient = $3', [eventId, channel, recipient]);
  return (rowCount ?? 0) > 0;
}
