import type { Queryable } from '#shared/db/pool';
import type { AbhiPort } from '../abhi-port';
import type { Fils } from '#shared/domain/money';
import type { NewDomainEvent } from '#shared/events/types';
import type { AdvanceRequestStore } from '../ports/advance-request-store';
import type { AdvanceStatusPollStore } from '../ports/advance-status-poll-store';
import type { LedgerStore } from '../ports/ledger-store';
import type { RepaymentStore } from '../ports/repayment-store';
import type { TransactionListStore } from '../ports/transaction-list-store';

/**
 * What the transaction use cases need from the outside world, as small interfaces. The composition root
 * (#shared/wiring/advances) plugs in PostgreSQL (the connection and the stores of #shared/use-cases/ports), the Abhi
 * client, Step Functions, the outbox and the DynamoDB cache; tests can plug in their own.
 */

export interface Database {
  /** Autocommit queries (one pooled connection per query). */
  readonly db: Queryable;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T>;
}

/** An advance as Abhi holds it (amounts in fils). */
export interface AbhiAdvance {
  readonly id: string;
  readonly employeeId: string;
  readonly amountFils: Fils;
  readonly status?: string;
  readonly reference?: string;
  readonly processingFeeFils?: Fils;
  readonly interestRate?: number;
  readonly repaymentAmountFils?: Fils;
  readonly dueDate?: string;
  readonly requestedAt?: string;
  readonly processedAt?: string;
}

export interface AbhiRepayment {
  readonly id: string;
  readonly amountFils: Fils;
  readonly reference: string;
  readonly employeeId?: string;
  readonly transactionId?: string;
  readonly status?: string;
  readonly createdAt?: string;
}

export interface AbhiValidation {
  readonly isValid: boolean;
  readonly maxAmountFils?: Fils;
  readonly availableAmountFils?: Fils;
  readonly message?: string;
  readonly validationErrors: readonly { field: string; message: string }[];
}

export interface AbhiMonthlyBalance {
  readonly month: number;
  readonly year: number;
  readonly availableFils: Fils;
  readonly usedFils?: Fils;
  readonly pendingFils?: Fils;
  readonly grossSalaryFils?: Fils;
  readonly netSalaryFils?: Fils;
  readonly lastUpdated?: string;
}

export interface Period {
  /** YYYY-MM-DD, inclusive. */
  readonly startDate: string;
  readonly endDate: string;
}

/** The advance state machine, as the API and reconciliation drive it. */
export interface WorkflowPort {
  /** Starts the execution named after the request; starting it again is a no-op. */
  start(requestId: string): Promise<{ executionArn: string; alreadyStarted: boolean }>;
  /** Wakes the waiting approval task. `gone`: the task no longer waits (timed out, answered, execution ended). */
  sendSuccess(taskToken: string, output: unknown): Promise<'sent' | 'gone'>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<'sent' | 'gone'>;
}

export interface EventsPort {
  /** Writes the event into the outbox with the caller's connection (inside the change's transaction). */
  record(db: Queryable, event: NewDomainEvent): Promise<{ id: string }>;
  /** After commit: publish now (the outbox sweep catches whatever this misses). */
  publish(ids: readonly string[]): Promise<void>;
}

/** A small TTL cache (DynamoDB state table in AWS). */
export interface CachePort {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
}

export interface MetricsPort {
  count(name: string, value?: number, dimensions?: Readonly<Record<string, string>>): void;
}

export interface TransactionSettings {
  /**
   * How long after a create call was sent before we trust a lookup that does not find it: a request Abhi received
   * may still be committing after our client gave up (timeout, then commit). Default: twice the Abhi timeout.
   */
  readonly lookupSettleMs: number;
  /** The Abhi client's per-attempt timeout (ABHI_TIMEOUT_MS): a create's budget and a patient wait's bound. */
  readonly abhiAttemptMs: number;
}

export interface TransactionDeps extends Database {
  readonly settings: TransactionSettings;
  readonly advanceRequests: AdvanceRequestStore;
  readonly ledger: LedgerStore;
  readonly repayments: RepaymentStore;
  /** The status poll's bookkeeping (only the poll's functions use it). */
  readonly statusPolls: AdvanceStatusPollStore;
  /** Abhi (#shared/use-cases/abhi-port); ./abhi-advances gives its advance calls in fils. */
  readonly abhi: AbhiPort;
  readonly workflow: WorkflowPort;
  readonly events: EventsPort;
  readonly cache: CachePort;
  readonly metrics: MetricsPort;
  readonly now: () => Date;
}

/** The advance ports without the state machine, the cache and the poll's bookkeeping: repayments, the validation, the webhook. */
export type CoreAdvanceDeps = Omit<TransactionDeps, 'workflow' | 'cache' | 'statusPolls'>;

/** The workflow's tasks: the core ports without the repayments. */
export type WorkflowTaskDeps = Omit<CoreAdvanceDeps, 'repayments'>;

/** The tasks that never call Abhi: PostgreSQL, the outbox and metrics (their bundles carry no Abhi client). */
export type WorkflowTaskDepsWithoutAbhi = Omit<WorkflowTaskDeps, 'abhi' | 'settings'>;

/** The status poll's consumer: asks Abhi, records what changed; it neither drives the state machine nor reads the cache. */
export type StatusPollDeps = Omit<TransactionDeps, 'workflow' | 'cache'>;

/** Abhi's webhook: what Abhi pushed is applied to the ledger; nothing is asked of Abhi (no client in its bundle). */
export type WebhookAdvanceDeps = Omit<CoreAdvanceDeps, 'abhi' | 'settings'>;

/** The read routes of the transaction API and the status poll's schedule: PostgreSQL only, with the transactions list. */
export interface TransactionReadDeps extends Pick<TransactionDeps, 'db' | 'advanceRequests' | 'ledger' | 'repayments' | 'statusPolls'> {
  readonly transactionList: TransactionListStore;
}
