import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';

/**
 * AWS services that publish to a topic of ours: CloudWatch alarms, EventBridge rules, AWS Backup vault
 * notifications. A topic with only `enforceSSL` silently drops their messages: each needs an Allow for its service
 * principal, conditioned on our account (confused deputy) and, where the service sends it, the source ARN.
 */
export const TOPIC_PUBLISHERS = {
  cloudwatch: { principal: 'cloudwatch.amazonaws.com', sourceArn: (stack: Stack) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
  eventbridge: { principal: 'events.amazonaws.com', sourceArn: (stack: Stack) => stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
  backup: { principal: 'backup.amazonaws.com', sourceArn: undefined },
} as const;

export type TopicPublisher = keyof typeof TOPIC_PUBLISHERS;

/** Lets `publisher` publish to `topic` from this account only. */
export function allowServicePublish(topic: sns.Topic, publisher: TopicPublisher): void {
  const stack = Stack.of(topic);
  const { principal, sourceArn } = TOPIC_PUBLISHERS[publisher];
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `Allow${publisher[0]!.toUpperCase()}${publisher.slice(1)}Publish`,
      principals: [new iam.ServicePrincipal(principal)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ...(sourceArn ? { ArnLike: { 'aws:SourceArn': sourceArn(stack) } } : {}),
      },
    }),
  );
}
