import { DynamoResponseCache } from '#shared/abhi/dynamodb-adapters';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { postgresStatusPolls } from '#shared/adapters/postgres/advance-status-polls';
import { postgresRepayments } from '#shared/adapters/postgres/repayments';
import { sfnWorkflowPort } from '#shared/adapters/sfn/advance-workflow';
import { envVar, loadConfig } from '#shared/config';
import type { AbhiPort } from '#shared/use-cases/abhi-port';
import type { CachePort, TransactionDeps, CoreAdvanceDeps, StatusPollDeps, WorkflowTaskDeps } from '#shared/use-cases/advances/ports';
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

/** Functions that neither drive the state machine nor read the cache: repayments, the validation. */
export function coreAdvanceDeps(): CoreAdvanceDeps {
  return (coreWithRepayments ??= { ...coreDeps(), repayments: postgresRepayments });
}

let deps: TransactionDeps | undefined;

/** The transaction API's advance routes and reconciliation: the core ports, Step Functions, the state table's cache and the poll's bookkeeping. */
export function transactionDeps(): TransactionDeps {
  return (deps ??= { ...coreAdvanceDeps(), workflow: sfnWorkflowPort(), cache: stateTableCache(), statusPolls: postgresStatusPolls });
}

let statusPoll: StatusPollDeps | undefined;

/** The `advance-status` consumer: the core ports and the poll's bookkeeping (no Step Functions client in its bundle). */
export function statusPollDeps(): StatusPollDeps {
  return (statusPoll ??= { ...coreAdvanceDeps(), statusPolls: postgresStatusPolls });
}

let balance: CoreAdvanceDeps & Pick<TransactionDeps, 'cache'> | undefined;

/** GET /transactions/balance: the core ports and the state table's cache (Abhi's figure kept 30 s). */
export function balanceDeps(): CoreAdvanceDeps & Pick<TransactionDeps, 'cache'> {
  return (balance ??= { ...coreAdvanceDeps(), cache: stateTableCache() });
}

function lazyPort(build: () => AbhiPort): AbhiPort {
  return new Proxy({} as AbhiPort, { get: (_target, property: keyof AbhiPort) => build()[property] });
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
