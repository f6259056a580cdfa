import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { OutgoingNotification } from './notifications';

/**
 * Delivery of notifications. `NOTIFICATION_DELIVERY`:
 * - `mailbox` (default, local and test stages): nothing leaves the platform; the consumer records every message in
 *   the `notifications` table with status `captured` — that table IS the local mailbox.
 * - `sns`: SMS through SNS direct publish (`PhoneNumber`); e-mail and push stay captured until an e-mail provider
 *   (SES) and a device registry exist — see the project report.
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

export function notificationSenderFromEnv(): NotificationSender {
  return process.env.NOTIFICATION_DELIVERY === 'sns' ? snsSmsSender : mailboxSender;
}
