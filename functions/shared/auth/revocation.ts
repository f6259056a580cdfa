import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, epochSeconds } from '#shared/adapters/dynamodb/client';
import { envVar, loadConfig } from '#shared/config';

/**
 * Revoked access tokens, by `jti`, in the state table: pk `REVOKED#<jti>`, sk `JTI`, TTL `expiresAt` = the token's
 * own expiry (after it the token is dead anyway). DynamoDB deletes expired items lazily, so reads ignore them.
 */
export interface RevocationStore {
  isRevoked(jti: string): Promise<boolean>;
  revoke(jti: string, expiresAtEpochSeconds: number): Promise<void>;
}

export function dynamoRevocationStore(tableName?: string): RevocationStore {
  const table = () => tableName ?? loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME;
  const key = (jti: string) => ({ pk: `REVOKED#${jti}`, sk: 'JTI' });
  return {
    async isRevoked(jti) {
      const { Item } = await dynamoDocumentClient().send(new GetCommand({ TableName: table(), Key: key(jti), ConsistentRead: true }));
      return Item !== undefined && Number(Item.expiresAt ?? 0) > epochSeconds();
    },
    async revoke(jti, expiresAtEpochSeconds) {
      await dynamoDocumentClient().send(
        new PutCommand({
          TableName: table(),
          Item: { ...key(jti), expiresAt: Math.ceil(expiresAtEpochSeconds), revokedAt: new Date().toISOString() },
        }),
      );
    },
  };
}

let defaultStore: RevocationStore | undefined;

/** Revokes an access token by its `jti` until `exp` (epoch seconds, the token's `exp` claim). */
export async function revokeToken(jti: string, exp: number): Promise<void> {
  if (!jti) throw new Error('A token without a jti cannot be revoked.');
  defaultStore ??= dynamoRevocationStore();
  await defaultStore.revoke(jti, exp);
}

export async function isTokenRevoked(jti: string): Promise<boolean> {
  defaultStore ??= dynamoRevocationStore();
  return defaultStore.isRevoked(jti);
}
