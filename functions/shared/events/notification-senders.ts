import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OutgoingNotification } from './notifications';

/**
 * Delivery of notifications. `NOTIFICATION_DELIVERY`:
 * - `mailbox` (default, local and test stages): nothing leaves the platform; the consumer records every message in
 *   the `notifications` table with status `captured` — that table IS the local mailbox.
 * - `sns`: SMS through SNS direct publish (`PhoneNumber`).
 * Independently, `NOTIFICATION_EMAIL_FROM` (a verified SES identity, set by the CDK app from context
 * `sesFromAddress`) sends e-mail through SES v2 in `NOTIFICATION_SES_REGION` (default: the function's region). Push
 * stays captured until a device registry exists. A channel without a provider is recorded, never dropped.
 */
export interface NotificationSender {
  /** Delivers one message; returns the status to record and the provider's message id. */
  send(message: OutgoingNotification): Promise<{ status: 'captured' | 'sent'; providerMessageId: string | null }>;
}

export const mailboxSender: NotificationSender = {
  async send() {
    return { status: 'captured', providerMessageId: null };
  },
};

let sns: SNSClient | undefined;

export const snsSmsSender: NotificationSender = {
  async send(message) {
    if (message.channel !== 'sms') return { status: 'captured', providerMessageId: null };
    sns ??= new SNSClient({ maxAttempts: 3 });
    const result = await sns.send(
      new PublishCommand({
        PhoneNumber: message.recipient,
        Message: message.body,
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      }),
    );
    return { status: 'sent', providerMessageId: result.MessageId ?? null };
  },
};

let ses: SESv2Client | undefined;

/** E-mail through SES from one verified identity; other channels are captured. */
export function sesEmailSender(from: string, region?: string): NotificationSender {
  return {
    async send(message) {
      if (message.channel !== 'email') return { status: 'captured', providerMessageId: null };
      ses ??= new SESv2Client({ maxAttempts: 3, ...(region ? { region } : {}) });
      const result = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [message.recipient] },
          Content: {
            Simple: {
              Subject: { Data: message.subject ?? '', Charset: 'UTF-8' },
              Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
            },
          },
        }),
      );
      return { status: 'sent', providerMessageId: result.MessageId ?? null };
    },
  };
}

/** Routes each message to the sender of its channel. */
export function channelSender(byChannel: Partial<Record<'email' | 'sms' | 'push', NotificationSender>>): NotificationSender {
  return { send: (message) => (byChannel[message.channel] ?? mailboxSender).send(message) };
}

export function notificationSenderFromEnv(): NotificationSender {
  const sms = process.env.NOTIFICATION_DELIVERY === 'sns' ? snsSmsSender : undefined;
  const from = process.env.NOTIFICATION_EMAIL_FROM?.trim();
  const email = from ? sesEmailSender(from, process.env.NOTIFICATION_SES_REGION?.trim() || undefined) : undefined;
  if (!sms && !email) return mailboxSender;
  if (sms && !email) return snsSmsSender;
  return channelSender({ email, sms });
}
