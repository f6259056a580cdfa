import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { claimAll, claimOnce, doneUpdate, releaseClaim, type ClaimStore } from '#shared/adapters/dynamodb/claims';
import { dynamoDocumentClient, epochSeconds } from '#shared/adapters/dynamodb/client';
import { loadConfig, envVar } from '#shared/config';
import type { JobItemResult, JobRecord, JobStore, NewJob } from '#shared/use-cases/jobs/job-store';

/**
 * Background jobs processed through SQS (bulk imports), tracked in the DynamoDB state table:
 *   `JOB#<id>` / `JOB`          counters (`succeeded`, `failed`, `processed`), total, row references, timestamps
 *   `JOB#<id>` / `ITEM#<n>`     the result of row n (zero-padded so items sort in row order)
 *   `JOB#<id>` / `CLAIM#<n>`    a short lease on row n while a worker processes it
 * Everything expires 30 days after creation (`expiresAt`). An item is written once (conditional put) in the same
 * transaction as the counter increment, so a redelivered row never counts twice.
 */
const JOB_TTL_SECONDS = 30 * 24 * 3600;

const itemKey = (index: number) => `ITEM#${String(index).padStart(6, '0')}`;
const claimKey = (jobId: string, index: number) => ({ pk: `JOB#${jobId}`, sk: `CLAIM#${String(index).padStart(6, '0')}` });
/** Row claims: the state table's claim-once (adapters/dynamodb/claims.ts), kept as long as the job. */
const claims: ClaimStore = { tableName: () => table() };
const claimOptions = (owner: string, leaseSeconds: number) => ({ owner, leaseSeconds, keepSeconds: JOB_TTL_SECONDS });

let tableName: string | undefined;
function table(): string {
  tableName ??= loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME;
  return tableName;
}

export function dynamoJobStore(): JobStore {
  const db = dynamoDocumentClient();
  const store: JobStore = {
    async create(job: NewJob) {
      const now = new Date();
      const expiresAt = epochSeconds(now) + JOB_TTL_SECONDS;
      const failed = job.rejected.length;
      const complete = failed === job.total;
      await db.send(
        new PutCommand({
          TableName: table(),
          Item: {
            pk: `JOB#${job.id}`,
            sk: 'JOB',
            type: job.type,
            organizationId: job.organizationId,
            createdBy: job.createdBy,
            total: job.total,
            succeeded: 0,
            failed,
            processed: failed,
            references: job.references,
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
            ...(complete ? { completedAt: now.toISOString() } : {}),
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      // Rows refused before queueing are final results already.
      for (let i = 0; i < job.rejected.length; i += 25) {
        let requests = job.rejected.slice(i, i + 25).map((item) => ({
          PutRequest: { Item: { pk: `JOB#${job.id}`, sk: itemKey(item.index), ...itemAttributes(item, now), expiresAt } },
        }));
        for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [table()]: requests } }));
          requests = (result.UnprocessedItems?.[table()] ?? []) as typeof requests;
          if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
        if (requests.length) throw new Error('DynamoDB did not accept all job items.');
      }
    },

    async recordItem(jobId, item) {
      const now = new Date();
      const counter = item.status === 'succeeded' ? 'succeeded' : 'failed';
      const expiresAt = epochSeconds(now) + JOB_TTL_SECONDS;
      try {
        // One transaction: the row's result (written once), its claim marked done, and the job's counters. The job is
        // complete when `processed` reaches `total`; the `updatedAt` of that last increment is its completion time.
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table(),
                  Item: { pk: `JOB#${jobId}`, sk: itemKey(item.index), ...itemAttributes(item, now), expiresAt },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { Update: doneUpdate(claims, claimKey(jobId, item.index), JOB_TTL_SECONDS, epochSeconds(now)) },
              {
                Update: {
                  TableName: table(),
                  Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
                  UpdateExpression: `ADD #counter :one, #processed :one SET updatedAt = :now`,
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeNames: { '#counter': counter, '#processed': 'processed' },
                  ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const reasons = error.CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
          if (reasons[2]?.Code === 'ConditionalCheckFailed') return 'no-job';
        }
        throw error;
      }
      return 'recorded';
    },

    async hasItem(jobId, index) {
      const result = await db.send(new GetCommand({ TableName: table(), Key: { pk: `JOB#${jobId}`, sk: itemKey(index) }, ProjectionExpression: 'pk' }));
      return Boolean(result.Item);
    },

    claimItem(jobId, index, owner, leaseSeconds) {
      return claimOnce(claims, claimKey(jobId, index), claimOptions(owner, leaseSeconds));
    },

    async claimItems(jobId, indexes, owner, leaseSeconds) {
      const unique = [...new Set(indexes)];
      const outcomes = await claimAll(claims, unique.map((index) => claimKey(jobId, index)), claimOptions(owner, leaseSeconds));
      return new Map(unique.map((index, i) => [index, outcomes[i]!]));
    },

    async releaseItem(jobId, index, owner) {
      await releaseClaim(claims, claimKey(jobId, index), owner).catch(() => undefined);
    },

    async get(jobId) {
      const result = await db.send(new GetCommand({ TableName: table(), Key: { pk: `JOB#${jobId}`, sk: 'JOB' }, ConsistentRead: true }));
      const item = result.Item;
      // DynamoDB deletes expired items lazily: an item past its TTL counts as gone.
      if (!item || (typeof item.expiresAt === 'number' && item.expiresAt < epochSeconds())) return undefined;
      return {
        id: jobId,
        type: String(item.type),
        organizationId: (item.organizationId as string | null) ?? null,
        createdBy: String(item.createdBy ?? ''),
        total: Number(item.total),
        succeeded: Number(item.succeeded ?? 0),
        failed: Number(item.failed ?? 0),
        references: (item.references as (string | null)[] | undefined) ?? [],
        createdAt: String(item.createdAt),
        updatedAt: String(item.updatedAt),
        completedAt: (item.completedAt as string | undefined) ?? (Number(item.processed ?? 0) >= Number(item.total) ? String(item.updatedAt) : null),
        expiresAt: new Date(Number(item.expiresAt) * 1000).toISOString(),
      } satisfies JobRecord;
    },

    async listItems(jobId, range) {
      const items: JobItemResult[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: table(),
            ...(range
              ? {
                  KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
                  ExpressionAttributeValues: { ':pk': `JOB#${jobId}`, ':from': itemKey(range.from), ':to': itemKey(range.to) },
                }
              : {
                  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
                  ExpressionAttributeValues: { ':pk': `JOB#${jobId}`, ':item': 'ITEM#' },
                }),
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          items.push({
            index: Number(item.index),
            status: item.status as 'succeeded' | 'failed',
            reference: (item.reference as string | null) ?? null,
            resourceId: (item.resourceId as string | null) ?? null,
            error: (item.error as JobItemResult['error']) ?? null,
            updatedAt: (item.updatedAt as string | undefined) ?? null,
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
  };
  return store;
}

function itemAttributes(item: JobItemResult, now: Date): Record<string, unknown> {
  return {
    index: item.index,
    status: item.status,
    reference: item.reference,
    resourceId: item.resourceId,
    error: item.error,
    updatedAt: now.toISOString(),
  };
}
