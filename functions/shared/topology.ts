/**
 * Queues, their consumers, event subscriptions and schedules: the asynchronous half of the system.
 *
 * Like the route table, CDK builds the real resources from this file (SQS queue + DLQ + event source mapping,
 * SNS subscriptions with filter policies, EventBridge schedules) and the local stack builds the same queues in the SQS
 * emulator and polls them with the same batch semantics. No runtime imports here.
 */
export interface QueueDefinition {
  /** Logical name; the physical queue is `<stage>-<name>` and its DLQ `<stage>-<name>-dlq`. */
  readonly name: string;
  /** Entry file of the consumer, relative to `functions/`, without extension. */
  readonly consumer: string;
  readonly purpose: string;
  readonly batchSize: number;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Consumer timeout; the queue's visibility timeout is six times this, as AWS recommends. */
  readonly consumerTimeoutSeconds: number;
  /** Cap on concurrent consumer instances (AWS: event source mapping maximum concurrency, >= 2). */
  readonly maxConcurrency: number;
  /** Domain event types delivered to this queue from the event fan-out; absent for pure work queues. */
  readonly eventTypes?: readonly string[];
  /** Created only where the stage turns this feature on (CDK); the local stack always runs it. */
  readonly optIn?: 'userProvisioning';
}

export const QUEUES: readonly QueueDefinition[] = [
  {
    name: 'employee-import',
    consumer: 'employees/process-employee-import',
    purpose: 'Rows of bulk employee imports, created at Abhi within its rate limit',
    batchSize: 10,
    maxReceiveCount: 3,
    consumerTimeoutSeconds: 60,
    maxConcurrency: 2,
  },
  {
    name: 'abhi-sync',
    consumer: 'sync/process-sync-page',
    purpose: 'Pages of employees and organizations to refresh from Abhi into Aurora',
    batchSize: 1,
    maxReceiveCount: 3,
    consumerTimeoutSeconds: 60,
    maxConcurrency: 2,
  },
  {
    name: 'advance-status',
    consumer: 'transactions/poll-advance-status',
    purpose: "Advances created at Abhi but not final there, to ask Abhi for their status (bulk priority, 10 per batch)",
    batchSize: 10,
    maxReceiveCount: 3,
    consumerTimeoutSeconds: 60,
    maxConcurrency: 2,
  },
  {
    name: 'notifications',
    consumer: 'events/send-notification',
    purpose: 'E-mail/SMS/push notifications for domain events',
    batchSize: 10,
    maxReceiveCount: 5,
    consumerTimeoutSeconds: 30,
    maxConcurrency: 5,
    eventTypes: [
      'employee.created',
      'employee.updated',
      'employee.deleted',
      'transaction.advance.requested',
      'transaction.advance.approval_requested',
      'transaction.advance.approval_reminder',
      'transaction.advance.approved',
      'transaction.advance.rejected',
      'transaction.advance.expired',
      'transaction.advance.cancelled',
      'transaction.advance.created',
      'transaction.advance.failed',
      'transaction.advance.disbursed',
      'transaction.advance.status_changed',
      'transaction.advance.repaid',
      'transaction.repayment.created',
      'employee.import.completed',
      'reconciliation.differences.found',
    ],
  },
  {
    name: 'cache-invalidation',
    consumer: 'events/invalidate-cache',
    purpose: 'Drops cached Abhi reads that a change made stale',
    batchSize: 10,
    maxReceiveCount: 5,
    consumerTimeoutSeconds: 30,
    maxConcurrency: 5,
    eventTypes: [
      'employee.created',
      'employee.updated',
      'employee.deleted',
      'organization.created',
      'organization.updated',
      'transaction.advance.created',
      'transaction.repayment.created',
    ],
  },
  {
    name: 'balance-refresh',
    consumer: 'events/refresh-balance',
    purpose: 'Refreshes cached balances after money moved',
    batchSize: 10,
    maxReceiveCount: 5,
    consumerTimeoutSeconds: 30,
    maxConcurrency: 2,
    eventTypes: ['balance.updated', 'transaction.advance.created', 'transaction.repayment.created'],
  },
  {
    name: 'reconciliation-requests',
    consumer: 'reconciliation/process-reconciliation-request',
    purpose: 'On-demand reconciliation runs (POST /reconciliation/runs), one report per message',
    batchSize: 1,
    // A retry of a failed run is the operator's call (the report says why); redelivery covers a lost consumer.
    maxReceiveCount: 2,
    // A run reads Abhi's whole period: the Lambda maximum, like the scheduled run.
    consumerTimeoutSeconds: 900,
    // One run at a time is enforced on the report rows (409, claims); 2 is the lowest mapping limit AWS accepts.
    maxConcurrency: 2,
  },
  {
    name: 'user-provisioning',
    consumer: 'events/provision-user',
    purpose: "Creates, updates and disables the identity provider's users for employees and organization admins",
    batchSize: 10,
    maxReceiveCount: 5,
    consumerTimeoutSeconds: 30,
    maxConcurrency: 2,
    // functions/shared/use-cases/identity/provisioning.ts PROVISIONING_EVENT_TYPES (no runtime imports here).
    eventTypes: ['employee.created', 'employee.synced', 'employee.updated', 'employee.deleted', 'organization.created'],
    optIn: 'userProvisioning',
  },
];

export interface ScheduleDefinition {
  readonly name: string;
  readonly entry: string;
  /** EventBridge Scheduler expression. */
  readonly expression: string;
  readonly purpose: string;
}

export const SCHEDULES: readonly ScheduleDefinition[] = [
  { name: 'outbox-sweep', entry: 'events/sweep-outbox', expression: 'rate(1 minute)', purpose: 'Publishes outbox events the immediate relay missed' },
  { name: 'abhi-sync', entry: 'sync/start-abhi-sync', expression: 'rate(6 hours)', purpose: 'Enqueues a refresh of employees and organizations from Abhi' },
  {
    name: 'advance-status-poll',
    entry: 'transactions/start-status-poll',
    expression: 'rate(1 minute)',
    purpose: "Enqueues the advances whose next status check at Abhi is due (backoff 1 min, 5 min, 30 min, then hourly)",
  },
  {
    name: 'approval-reminders',
    entry: 'transactions/remind-approvers',
    expression: 'rate(5 minutes)',
    purpose: 'Reminds the approvers of advances whose approval window closes soon (once each)',
  },
  { name: 'reconciliation', entry: 'reconciliation/run-reconciliation', expression: 'cron(0 2 * * ? *)', purpose: 'Compares the ledger with Abhi and reports mismatches' },
  { name: 'personal-data-erasure', entry: 'employees/erase-personal-data', expression: 'cron(30 3 * * ? *)', purpose: 'Erases deleted employees\' personal data once the stage\'s retention period has passed (UAE PDPL)' },
];

/**
 * The environment variable that carries a queue's URL (or its DLQ's) to a function: `employee-import` →
 * `QUEUE_URL_EMPLOYEE_IMPORT` / `DLQ_URL_EMPLOYEE_IMPORT`. CDK, the local stack, the functions and the redrive tool
 * all name them with this.
 */
export function queueUrlVariable(name: string, kind: 'QUEUE_URL' | 'DLQ_URL' = 'QUEUE_URL'): string {
  return `${kind}_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

export function queueByName(name: string): QueueDefinition {
  const queue = QUEUES.find((q) => q.name === name);
  if (!queue) throw new Error(`Unknown queue "${name}": add it to functions/shared/topology.ts.`);
  return queue;
}
