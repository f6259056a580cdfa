/**
 * DynamoDB table designs, shared by CDK (real tables) and the local stack (DynamoDB Local).
 *
 * `state` is a single table for fast shared state; every item has `pk` and `sk` and, when it should expire,
 * `expiresAt` (epoch seconds, the TTL attribute). DynamoDB deletes expired items lazily (up to days later), so every
 * read of an item with `expiresAt` must treat a past value as absent.
 *
 * Access patterns (pk / sk):
 * - Abhi access token shared by the fleet, with its refresh lease  `ABHI#TOKEN` / `TOKEN`
 * - token bucket towards Abhi, sharded (ADR 0023)                 `ABHI#RATE#<shard>` / `BUCKET` (TTL)
 * - circuit breaker per Abhi operation group                       `ABHI#BREAKER#<group>` / `STATE`
 * - response cache of Abhi reads                                   `CACHE#<kind>` / `<key>`   (TTL)
 * - API rate-limit buckets per principal / IP and route class      `RATE#<class>#<subject>[#<shard>]` / `BUCKET` (TTL)
 * - background job status and per-item results                     `JOB#<id>` / `JOB` and `ITEM#<n>`  (TTL 30 days)
 * - webhook replay ids                                             `WEBHOOK#<id>` / `SEEN`   (TTL)
 * - revoked JWT ids                                                `REVOKED#<jti>` / `JTI`   (TTL = token exp)
 * - processed SQS message ids (consumer idempotency)               `MSG#<consumer>#<id>` / `DONE` (TTL)
 *
 * `idempotency` is the Powertools Idempotency table in its default schema (`id`, TTL `expiration`).
 */
export interface TableDefinition {
  readonly logicalName: 'state' | 'idempotency';
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly ttlAttribute: string;
  /** Environment variable through which functions receive the table name. */
  readonly envVar: string;
}

export const STATE_TABLE: TableDefinition = {
  logicalName: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  envVar: 'STATE_TABLE_NAME',
};

export const IDEMPOTENCY_TABLE: TableDefinition = {
  logicalName: 'idempotency',
  partitionKey: 'id',
  ttlAttribute: 'expiration',
  envVar: 'IDEMPOTENCY_TABLE_NAME',
};

export const TABLES: readonly TableDefinition[] = [STATE_TABLE, IDEMPOTENCY_TABLE];
