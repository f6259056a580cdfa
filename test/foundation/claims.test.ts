import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { claimAll, claimOnce, doneUpdate, markDone, releaseClaim, type ClaimKey } from '#shared/adapters/dynamodb/claims';
import { dynamoDocumentClient, epochSeconds } from '#shared/adapters/dynamodb/client';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import { jobStoreContract } from '../support/job-store-contract';
import { testEnv } from '../support/env';

/**
 * The one claim-once mechanism (consumer dedupe, bulk-import row claims, the webhook's replay memory) against
 * DynamoDB Local: conditional updates and transactions as the state table runs them in AWS.
 */
const env = testEnv();
const store = { tableName: () => env.stateTable };
const db = dynamoDocumentClient();
const key = (): ClaimKey => ({ pk: `TEST-CLAIM#${randomUUID()}`, sk: 'CLAIM' });
const item = async (k: ClaimKey) => (await db.send(new GetCommand({ TableName: env.stateTable, Key: k, ConsistentRead: true }))).Item;
const keep = { leaseSeconds: 60, keepSeconds: 3600 };

describe('claim-once in the state table', () => {
  it('the first claim wins; a second is busy while the lease runs, done once the work is marked done', async () => {
    const k = key();
    expect(await claimOnce(store, k, keep)).toBe('claimed');
    expect(await item(k)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await claimOnce(store, k, keep)).toBe('busy');
    await markDone(store, [k], 3600);
    expect(await claimOnce(store, k, keep)).toBe('done');
    expect(Number((await item(k))?.expiresAt)).toBeGreaterThan(epochSeconds() + 3500);
  });

  it('a claim whose lease ran out (its holder died) is taken over; an item past its TTL counts as absent', async () => {
    const k = key();
    const now = epochSeconds();
    await db.send(new PutCommand({ TableName: env.stateTable, Item: { ...k, status: 'IN_PROGRESS', leaseUntil: now - 1, expiresAt: now + 3600 } }));
    expect(await claimOnce(store, k, keep)).toBe('claimed');
    // A claim written before this module (no status) whose holder died is taken over too.
    const legacy = key();
    await db.send(new PutCommand({ TableName: env.stateTable, Item: { ...legacy, owner: 'old-worker', leaseUntil: now - 1, expiresAt: now + 3600 } }));
    expect(await claimOnce(store, legacy, { ...keep, owner: 'new-worker' })).toBe('claimed');
    const expired = key();
    await db.send(new PutCommand({ TableName: env.stateTable, Item: { ...expired, status: 'DONE', expiresAt: now - 1 } }));
    expect(await claimOnce(store, expired, keep)).toBe('claimed');
  });

  it('the same owner may claim its own unfinished item again; another owner may not; release is the owner’s only', async () => {
    const k = key();
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-a' })).toBe('claimed');
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-a' })).toBe('claimed');
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-b' })).toBe('busy');
    await expect(releaseClaim(store, k, 'worker-b')).rejects.toThrow();
    expect(await item(k)).toMatchObject({ owner: 'worker-a' });
    await releaseClaim(store, k, 'worker-a');
    expect(await item(k)).toBeUndefined();
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-b' })).toBe('claimed');
  });

  it('a claim marked done inside the caller’s transaction refuses every later claim, the owner’s too', async () => {
    const k = key();
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-a' })).toBe('claimed');
    await db.send(new TransactWriteCommand({ TransactItems: [{ Update: doneUpdate(store, k, 3600) }] }));
    expect(await claimOnce(store, k, { ...keep, owner: 'worker-a' })).toBe('done');
  });

  it('claimAll takes a batch in one transaction and, when some are taken, claims the rest and says what the others are', async () => {
    const [free1, busy, done, free2] = [key(), key(), key(), key()];
    expect(await claimOnce(store, busy, keep)).toBe('claimed');
    await markDone(store, [done], 3600);
    expect(await claimAll(store, [free1, busy, done, free2], keep)).toEqual(['claimed', 'busy', 'done', 'claimed']);
    expect(await item(free1)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await item(free2)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await claimAll(store, [free1, free2], keep)).toEqual(['busy', 'busy']);
  });
});

// The bulk import's job store over the claim-once, held to the same contract as the in-memory store of the unit tier.
jobStoreContract('DynamoDB state table', () => ({ store: dynamoJobStore(), pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) }));
