import { DEFAULT_FLEET_RATE_LIMIT } from '#shared/abhi/fleet-limit';
import { registerAuditDatabase } from '#shared/auth/audit';
import { postgresAdvanceRequests, postgresTransactionList } from '#shared/adapters/postgres/advance-requests';
import { postgresStatusPolls } from '#shared/adapters/postgres/advance-status-polls';
import { postgresLedger } from '#shared/adapters/postgres/ledger';
import { postgresRepayments } from '#shared/adapters/postgres/repayments';
import { sqsWorkQueue, type WorkQueue } from '#shared/adapters/sqs/queues';
import { envVar, loadConfig } from '#shared/config';
import { getPool, getReaderPool } from '#shared/db/pool';
import type { TransactionReadDeps } from '#shared/use-cases/advances/ports';
import type { StatusPollSettings } from '#shared/use-cases/advances/status-poll';
import * as z from '#shared/zod';

/**
 * Composition root of the transaction API's read routes and the status poll's schedule: PostgreSQL and the
 * `advance-status` queue. Apart from #shared/wiring/advances, so these functions bundle no Abhi client, SNS or Step
 * Functions client (ADR 0024).
 */
registerAuditDatabase(getPool);

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
