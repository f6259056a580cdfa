import { DEFAULT_FLEET_RATE_LIMIT } from '#shared/abhi/client';
import { DynamoResponseCache } from '#shared/abhi/dynamodb-adapters';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { postgresAdvanceRequests, postgresApprovalReminders, postgresTransactionList } from '#shared/adapters/postgres/advance-requests';
import { postgresStatusPolls } from '#shared/adapters/postgres/advance-status-polls';
import { postgresLedger } from '#shared/adapters/postgres/ledger';
import { postgresRepayments } from '#shared/adapters/postgres/repayments';
import { sfnWorkflowPort } from '#shared/adapters/sfn/advance-workflow';
import { sqsWorkQueue, type WorkQueue } from '#shared/adapters/sqs/queues';
import { envVar, loadConfig } from '#shared/config';
import { getPool, getReaderPool } from '#shared/db/pool';
import type { AbhiPort } from '#shared/use-cases/abhi-port';
import type { CachePort, TransactionDeps, CoreAdvanceDeps, TransactionReadDeps, WorkflowTaskDeps } from '#shared/use-cases/advances/ports';
import type { ApprovalReminderDeps } from '#shared/use-cases/advances/approval-reminders';
import type { StatusPollSettings } from '#shared/use-cases/advances/status-poll';
import { abhiClient } from './abhi';
import { advanceDatabaseDeps } from './advance-database';
import * as z from '#shared/zod';

/**
 * Composition root of the advance ports, which the transaction, workflow, webhook and reconciliation functions share:
 * PostgreSQL, the Abhi client, Step Functions, the outbox, the DynamoDB state table and Powertools metrics behind the
 * use cases' ports. Built once per process, on first use (the local stack sets the environment before it loads
 * handlers). Each invocation's deadline, correlation id and patience travel separately, as the use case's `ctx`
 * (#shared/wiring/invocation).
 */
let core: WorkflowTaskDeps | undefined;

/** The ports every advance function uses: PostgreSQL, the outbox, metrics, and the Abhi client (built on first call). */
function coreDeps(): WorkflowTaskDeps {
  if (core) return core;
  const timing = loadConfig({
    ABHI_TIMEOUT_MS: z._default(envVar.positiveInt(), 10_000),
    ADVANCE_LOOKUP_SETTLE_MS: z.optional(envVar.positiveInt()),
  });
  core = {
    ...advanceDatabaseDeps(),
    settings: { lookupSettleMs: timing.ADVANCE_LOOKUP_SETTLE_MS ?? 2 * timing.ABHI_TIMEOUT_MS, abhiAttemptMs: timing.ABHI_TIMEOUT_MS },
    // Built on first use: a function that never calls Abhi needs none of its configuration.
    abhi: lazyPort(abhiClient),
  };
  return core;
}

/** The workflow's tasks that call Abhi: the core ports (no repayments, so their bundles carry none of that store). */
export function workflowTaskDeps(): WorkflowTaskDeps {
  return coreDeps();
}

let coreWithRepayments: CoreAdvanceDeps | undefined;

/** Functions that neither drive the state machine nor read the cache: repayments, the validation, the webhook. */
export function coreAdvanceDeps(): CoreAdvanceDeps {
  return (coreWithRepayments ??= { ...coreDeps(), repayments: postgresRepayments });
}

let deps: TransactionDeps | undefined;

/** The transaction API, the status poll and reconciliation: the core ports, Step Functions, the state table's cache and the poll's bookkeeping. */
export function transactionDeps(): TransactionDeps {
  return (deps ??= { ...coreAdvanceDeps(), workflow: sfnWorkflowPort(), cache: stateTableCache(), statusPolls: postgresStatusPolls });
}

/** The approval reminder schedule: the core ports (one transaction, the outbox) and the reminders' claim. */
export function approvalReminderDeps(): ApprovalReminderDeps {
  return { ...coreDeps(), approvalReminders: postgresApprovalReminders };
}

let balance: CoreAdvanceDeps & Pick<TransactionDeps, 'cache'> | undefined;

/** GET /transactions/balance: the core ports and the state table's cache (Abhi's figure kept 30 s). */
export function balanceDeps(): CoreAdvanceDeps & Pick<TransactionDeps, 'cache'> {
  return (balance ??= { ...coreAdvanceDeps(), cache: stateTableCache() });
}

/** The read routes of the transaction API and the status poll's schedule: PostgreSQL only (`reader`: the reader endpoint, for lists). */
export function transactionReadDeps(options: { reader?: boolean } = {}): TransactionReadDeps {
  return {
    db: options.reader ? getReaderPool() : getPool(),
    advanceRequests: postgresAdvanceRequests,
    ledger: postgresLedger,
    repayments: postgresRepayments,
    statusPolls: postgresStatusPolls,
    transactionList: postgresTransactionList,
  };
}

function lazyPort(build: () => AbhiPort): AbhiPort {
  return new Proxy({} as AbhiPort, { get: (_target, property: keyof AbhiPort) => build()[property] });
}

let pollQueue: WorkQueue | undefined;

/** The `advance-status` queue the status-poll schedule fills. */
export function statusPollQueue(): WorkQueue {
  return (pollQueue ??= sqsWorkQueue('advance-status'));
}

let statusPoll: StatusPollSettings | undefined;

/**
 * The status poll's schedule (docs/operations.md): STATUS_POLL_DELAYS_SECONDS (default 60,300,1800,3600: the first
 * after creation, the last repeats), STATUS_POLL_MAX_POLLS (default 50, about two days), and per run at most a
 * quarter of a minute of the fleet's Abhi rate (ABHI_RATE_LIMIT_RPS × 15), so interactive calls keep at least half.
 */
export function statusPollSettings(): StatusPollSettings {
  if (statusPoll) return statusPoll;
  const config = loadConfig({
    STATUS_POLL_DELAYS_SECONDS: z._default(envVar.text(), '60,300,1800,3600'),
    STATUS_POLL_MAX_POLLS: z._default(envVar.positiveInt(), 50),
    STATUS_POLL_LEASE_SECONDS: z._default(envVar.positiveInt(), 300),
    ABHI_RATE_LIMIT_RPS: z._default(envVar.positiveNumber(), DEFAULT_FLEET_RATE_LIMIT.ratePerSecond),
  });
  const delays = config.STATUS_POLL_DELAYS_SECONDS.split(',').map((d) => Number(d.trim()));
  if (delays.length === 0 || delays.some((d) => !Number.isFinite(d) || d <= 0)) {
    throw new Error('STATUS_POLL_DELAYS_SECONDS must be a comma-separated list of positive seconds, e.g. "60,300,1800,3600".');
  }
  statusPoll = {
    delaysSeconds: delays,
    maxPolls: config.STATUS_POLL_MAX_POLLS,
    batchLimit: Math.max(1, Math.floor(config.ABHI_RATE_LIMIT_RPS * 15)),
    leaseSeconds: config.STATUS_POLL_LEASE_SECONDS,
  };
  return statusPoll;
}

/**
 * The use cases' TTL cache is the one TTL cache, the Abhi client's response cache in the state table, under the kind
 * `transactions` (pk `CACHE#transactions`, sk the key). Eventually consistent reads, as this cache always had: a
 * balance up to its 30 s TTL old is what it promises anyway.
 */
function stateTableCache(): CachePort {
  let cache: DynamoResponseCache | undefined;
  const shared = () =>
    (cache ??= new DynamoResponseCache({
      client: dynamoDocumentClient(),
      tableName: loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME,
      consistentRead: false,
    }));
  return {
    get: async <T>(key: string) => (await shared().get('transactions', key)) as T | undefined,
    set: (key, value, ttlSeconds) => shared().set('transactions', key, value, ttlSeconds * 1000),
  };
}

/** APPROVAL_REMINDER_LEAD_SECONDS (default 4 h): how long before an approval window closes the approvers are reminded. */
export function approvalReminderLeadSeconds(): number {
  return loadConfig({ APPROVAL_REMINDER_LEAD_SECONDS: z._default(envVar.positiveInt(), 4 * 3600) }).APPROVAL_REMINDER_LEAD_SECONDS;
}
