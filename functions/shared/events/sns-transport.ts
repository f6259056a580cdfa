import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { loadConfig, envVar } from '#shared/config';
import type { DomainEvent } from './types';

/** Where the outbox relay hands events to; SNS in AWS and locally (the emulator speaks the same API). */
export interface EventTransport {
  publish(events: readonly DomainEvent[]): Promise<{ published: string[]; failed: string[] }>;
}

let client: SNSClient | undefined;

/**
 * Publishes to the event topic (`EVENT_TOPIC_ARN`) in batches of 10 (the SNS limit). Each message carries the
 * attribute `type`, which the queue subscriptions filter on, and the body is the event itself.
 */
export function snsTransport(topicArn: string = loadConfig({ EVENT_TOPIC_ARN: envVar.text() }).EVENT_TOPIC_ARN): EventTransport {
  client ??= new SNSClient({ maxAttempts: 3 });
  const sns = client;
  return {
    async publish(events) {
      const published: string[] = [];
      const failed: string[] = [];
      for (let i = 0; i < events.length; i += 10) {
        const batch = events.slice(i, i + 10);
        try {
          const result = await sns.send(
            new PublishBatchCommand({
              TopicArn: topicArn,
              PublishBatchRequestEntries: batch.map((event, index) => ({
                Id: String(index),
                Message: JSON.stringify(event),
                MessageAttributes: {
                  type: { DataType: 'String', StringValue: event.type },
                  eventId: { DataType: 'String', StringValue: event.id },
                  ...(event.organizationId ? { organizationId: { DataType: 'String', StringValue: event.organizationId } } : {}),
                },
              })),
            }),
          );
          const ok = new Set((result.Successful ?? []).map((entry) => entry.Id));
          batch.forEach((event, index) => (ok.has(String(index)) ? published : failed).push(event.id));
        } catch {
          failed.push(...batch.map((event) => event.id));
        }
      }
      return { published, failed };
    },
  };
}
