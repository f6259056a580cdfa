import { AsyncLocalStorage } from 'node:async_hooks';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'aws-lambda';
import { abhiClientFromEnv, DEFAULT_FLEET_RATE_LIMIT } from '#shared/abhi/client';
import { DynamoResponseCache } from '#shared/abhi/dynamodb-adapters';
import { claimOnce, releaseClaim } from '#shared/adapters/dynamodb/claims';
import { dynamoDocumentClient } from '#shared/adapters/dynamodb/client';
import { sfnWorkflowPort } from '#shared/adapters/sfn/advance-workflow';
import { envVar, loadConfig } from '#shared/config';
import { getPool, withTransaction } from '#shared/db/pool';
import { publishEvents, recordEvent } from '#shared/events/outbox';
import { logger, metrics } from '#shared/observability';
import { abhiGateway } from '#shared/use-cases/advances/abhi-gateway';
import { toWorkflowError } from '#shared/use-cases/advances/errors';
import type { AbhiGateway, CachePort, MetricsPort, TransactionDeps } from '#shared/use-cases/advances/ports';
import type { StatusPollSettings } from '#shared/use-cases/advances/status-poll';
import type { WebhookDeps } from '#shared/use-cases/webhooks/abhi-webhook';
import { registerAuditDatabase } from '#shared/auth/audit';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/**
 * Composition root of the transaction, workflow, webhook and reconciliation functions: PostgreSQL, the Abhi
 * client, Step Functions, the outbox, the DynamoDB state table and Powertools metrics behind the use cases' ports.
 * Built once per process, on first use (the local stack sets the environment before it loads handlers).
 */
interface Invocation {
  /** Epoch ms by which Abhi calls must be done (the Lambda's remaining time, less a reserve). */
  deadline: number;
  correlationId?: string;
  /** A workflow task: its Abhi calls queue for a fleet rate slot for most of the run (see `callOptions`). */
  patient?: boolean;
  /** Queued background work (status polling): its Abhi calls leave the interactive reserve alone (ADR 0018). */
  bulk?: boolean;
}
const invocation = new AsyncLocalStorage<Invocation>();

/** What a patient invocation keeps back from its wait for a rate slot, beyond one Abhi attempt. */
const PATIENT_RESERVE_MS = 1_000;

/** Runs `work` with the Lambda's deadline applied to every Abhi call it makes (concurrency-safe locally too). */
export function withInvocation<T>(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  correlationId: string | undefined,
  work: () => Promise<T>,
  options: { patient?: boolean; bulk?: boolean } = {},
): Promise<T> {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 25_000;
  const mode = { ...(options.patient ? { patient: true } : {}), ...(options.bulk ? { bulk: true } : {}) };
  return invocation.run({ deadline: Date.now() + Math.max(1_000, remaining - 1_500), correlationId, ...mode }, work);
}

let deps: TransactionDeps | undefined;

export function transactionDeps(): TransactionDeps {
  if (deps) return deps;
  const timing = loadConfig({
    ABHI_TIMEOUT_MS: envVar.positiveInt().default(10_000),
    ADVANCE_LOOKUP_SETTLE_MS: envVar.positiveInt().optional(),
  });
  deps = {
    settings: { lookupSettleMs: timing.ADVANCE_LOOKUP_SETTLE_MS ?? 2 * timing.ABHI_TIMEOUT_MS },
    db: getPool(),
    transaction: (work) => withTransaction(work),
    // Built on first use: tasks that never call Abhi need none of its configuration.
    abhi: lazyGateway(() =>
      abhiGateway(abhiClientFromEnv(), {
        callOptions: () => {
          const current = invocation.getStore();
          if (!current) return {};
          return {
            deadline: current.deadline,
            ...(current.correlationId ? { correlationId: current.correlationId } : {}),
            // A workflow task waits for a fleet rate slot (keeping one attempt and a reserve) instead of failing
            // AbhiUnavailable after 2 s and sleeping in a Step Functions retry while Abhi has capacity again.
            ...(current.patient ? { maxRateLimitWaitMs: Math.max(2_000, current.deadline - Date.now() - timing.ABHI_TIMEOUT_MS - PATIENT_RESERVE_MS) } : {}),
            ...(current.bulk ? { priority: 'bulk' as const } : {}),
          };
        },
        // Just over one attempt: after a timeout the client has no time left to repeat the write itself.
        writeBudgetMs: timing.ABHI_TIMEOUT_MS + 40,
      }),
    ),
    workflow: sfnWorkflowPort(),
    events: {
      record: (db, event) => recordEvent(db, event),
      publish: async (ids) => {
        if (ids.length > 0) await publishEvents(ids);
      },
    },
    cache: stateTableCache(),
    metrics: powertoolsMetrics(),
    now: () => new Date(),
  };
  return deps;
}

function lazyGateway(build: () => AbhiGateway): AbhiGateway {
  let gateway: AbhiGateway | undefined;
  return new Proxy({} as AbhiGateway, {
    get: (_target, property: keyof AbhiGateway) => {
      gateway ??= build();
      const member = gateway[property];
      return typeof member === 'function' ? member.bind(gateway) : member;
    },
  });
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
    STATUS_POLL_DELAYS_SECONDS: envVar.text().default('60,300,1800,3600'),
    STATUS_POLL_MAX_POLLS: envVar.positiveInt().default(50),
    STATUS_POLL_LEASE_SECONDS: envVar.positiveInt().default(300),
    ABHI_RATE_LIMIT_RPS: envVar.positiveNumber().default(DEFAULT_FLEET_RATE_LIMIT.ratePerSecond),
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

/** Replaces the dependencies (tests that run use cases against fakes). */
export function setTransactionDeps(next: TransactionDeps | undefined): void {
  deps = next;
}

let webhook: WebhookDeps | undefined;

/**
 * The webhook's secret (Secrets Manager `WEBHOOK_SECRET_ID`, JSON `{ "secret": "..." }`, cached 5 min so a rotation
 * is picked up) and its replay memory (state table `WEBHOOK#<event id>` / `SEEN`, a claim-once held for the replay window).
 */
export function webhookDeps(): WebhookDeps {
  if (webhook) return webhook;
  const config = () => loadConfig({ WEBHOOK_SECRET_ID: envVar.text(), STATE_TABLE_NAME: envVar.text() });
  const webhookClaims = { tableName: () => config().STATE_TABLE_NAME };
  const webhookKey = (eventId: string) => ({ pk: `WEBHOOK#${eventId}`, sk: 'SEEN' });
  webhook = {
    async secret() {
      const value = (await getSecret(config().WEBHOOK_SECRET_ID, { transform: 'json', maxAge: 300 })) as { secret?: unknown } | undefined;
      if (typeof value?.secret !== 'string' || value.secret.length < 16) throw new Error('The webhook secret has no usable "secret" field.');
      return value.secret;
    },
    // The replay memory is a claim held for the replay window: a second delivery of the id within it is refused.
    async claimEvent(eventId, ttlSeconds) {
      return (await claimOnce(webhookClaims, webhookKey(eventId), { leaseSeconds: ttlSeconds, keepSeconds: ttlSeconds })) === 'claimed';
    },
    releaseEvent: (eventId) => releaseClaim(webhookClaims, webhookKey(eventId)),
  };
  return webhook;
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

/** Alarm-worthy counters are published at once (EMF single metric), not left to a handler's flush. */
function powertoolsMetrics(): MetricsPort {
  return {
    count(name, value = 1, dimensions) {
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions ?? {})) single.addDimension(key, dimensionValue);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}

/**
 * A Step Functions task handler: JSON in, JSON out. Errors leave as the names the state machine retries or
 * catches (TransientError, AbhiOutcomeUnknown, AbhiRejected, RequestNotPending) via toWorkflowError.
 */
export function workflowTask<I extends { requestId?: string }, O>(
  name: string,
  step: (deps: TransactionDeps, input: I) => Promise<O>,
): (event: I, context: Context) => Promise<O> {
  return async (event, context) => {
    const requestId = event?.requestId;
    try {
      return await withInvocation(context, requestId, () => step(transactionDeps(), event), { patient: true });
    } catch (error) {
      const mapped = toWorkflowError(error);
      logger.warn('Workflow task failed', { workflowTask: name, requestId, error: mapped.name, detail: mapped.message });
      throw mapped;
    }
  };
}
