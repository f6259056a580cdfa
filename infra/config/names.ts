/**
 * Physical names, derived from the stage config alone. The monitoring stack addresses functions, queues, the API
 * and the cluster by these names, so it needs no cross-stack exports (which would pin resources in place).
 */
import type { StageConfig } from './stages';

export const names = {
  routeFunction: (config: StageConfig, routeId: string) => `${config.prefix}-${routeId}`,
  authorizerFunction: (config: StageConfig) => `${config.prefix}-authorizer`,
  consumerFunction: (config: StageConfig, queueName: string) => `${config.prefix}-consume-${queueName}`,
  scheduledFunction: (config: StageConfig, scheduleName: string) => `${config.prefix}-schedule-${scheduleName}`,
  migrationsFunction: (config: StageConfig) => `${config.prefix}-run-migrations`,
  /** topology.ts: the physical queue is `<stage>-<name>` and its DLQ `<stage>-<name>-dlq`. */
  queue: (config: StageConfig, queueName: string) => `${config.stage}-${queueName}`,
  deadLetterQueue: (config: StageConfig, queueName: string) => `${config.stage}-${queueName}-dlq`,
  eventDeliveryDeadLetterQueue: (config: StageConfig) => `${config.stage}-event-delivery-dlq`,
  asyncFailuresQueue: (config: StageConfig) => `${config.stage}-async-failures-dlq`,
  restApi: (config: StageConfig) => `${config.prefix}-api`,
  cluster: (config: StageConfig) => `${config.prefix}-db`,
  eventTopic: (config: StageConfig) => `${config.prefix}-events`,
  table: (config: StageConfig, logicalName: string) => `${config.prefix}-${logicalName}`,
  webAcl: (config: StageConfig) => `${config.prefix}-api`,
  proxy: (config: StageConfig) => `${config.prefix}-proxy`,
  stateMachine: (config: StageConfig, name: string) => `${config.prefix}-${name}`,
  stack: (config: StageConfig, part: 'stateful' | 'api' | 'monitoring') => `${config.prefix}-${part}`,
};
