import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient, epochSeconds } from '#shared/adapters/dynamodb/client';
import { envVar, loadConfig } from '#shared/config';
import type { Principal } from './principal';
import * as z from '#shared/zod';

/**
 * Revocations in the state table, all with TTL `expiresAt` (DynamoDB deletes expired items lazily, so reads ignore
 * them):
 * - one token, by `jti`: pk `REVOKED#<jti>`, sk `JTI`, until the token's own `exp` (logout);
 * - every token of a subject, or of an employee (offboarding: the `employee_id` claim, whatever the provider's `sub`),
 *   issued before `revokedBefore`: pk `REVOKED-SUBJECT#<sub>` / `REVOKED-EMPLOYEE#<employeeId>`, kept for the longest
 *   token lifetime the verifier accepts, after which every such token has expired anyway.
 */
export type RevokedToken = Pick<Principal, 'subject' | 'tokenId' | 'employeeId' | 'issuedAt'>;
export type SubjectKind = 'subject' | 'employee';

export interface RevocationStore {
  /** Is this token revoked by its `jti`, its subject or its employee? One DynamoDB request (BatchGetItem). */
  isRevoked(token: RevokedToken): Promise<boolean>;
  revokeToken(jti: string, expiresAtEpochSeconds: number): Promise<void>;
  /** Revokes every token of the subject (or employee) issued up to now, keeping the record `keepSeconds`. */
  revokeSubject(kind: SubjectKind, id: string, keepSeconds: number): Promise<{ revokedBefore: number }>;
}

const tokenKey = (jti: string) => ({ pk: `REVOKED#${jti}`, sk: 'JTI' });
const subjectKey = (kind: SubjectKind, id: string) =>
  kind === 'subject' ? { pk: `REVOKED-SUBJECT#${id}`, sk: 'SUBJECT' } : { pk: `REVOKED-EMPLOYEE#${id}`, sk: 'EMPLOYEE' };

export function dynamoRevocationStore(tableName?: string): RevocationStore {
  const table = () => tableName ?? loadConfig({ STATE_TABLE_NAME: envVar.text() }).STATE_TABLE_NAME;
  return {
    async isRevoked(token) {
      const keys = [
        ...(token.tokenId ? [tokenKey(token.tokenId)] : []),
        subjectKey('subject', token.subject),
        ...(token.employeeId ? [subjectKey('employee', token.employeeId)] : []),
      ];
      const name = table();
      const { Responses, UnprocessedKeys } = await dynamoDocumentClient().send(
        new BatchGetCommand({ RequestItems: { [name]: { Keys: keys, ConsistentRead: true } } }),
      );
      // Throttled keys come back unprocessed: fail closed rather than let a possibly revoked token through.
      if ((UnprocessedKeys?.[name]?.Keys?.length ?? 0) > 0) throw new Error('Revocation check incomplete (DynamoDB returned unprocessed keys).');
      const now = epochSeconds();
      // A token without iat (the verifier requires it; defensive) counts as issued before any subject revocation.
      const issuedAt = token.issuedAt ?? 0;
      return (Responses?.[name] ?? []).some((item) => {
        if (Number(item.expiresAt ?? 0) <= now) return false;
        return item.sk === 'JTI' || issuedAt < Number(item.revokedBefore ?? 0);
      });
    },
    async revokeToken(jti, expiresAtEpochSeconds) {
      await dynamoDocumentClient().send(
        new PutCommand({
          TableName: table(),
          Item: { ...tokenKey(jti), expiresAt: Math.ceil(expiresAtEpochSeconds), revokedAt: new Date().toISOString() },
        }),
      );
    },
    async revokeSubject(kind, id, keepSeconds) {
      // Rounded up: iat has whole seconds, so a token issued in this second is revoked too (fail closed).
      const revokedBefore = Math.ceil(Date.now() / 1000);
      await dynamoDocumentClient().send(
        new PutCommand({
          TableName: table(),
          Item: { ...subjectKey(kind, id), revokedBefore, expiresAt: revokedBefore + keepSeconds, revokedAt: new Date().toISOString() },
        }),
      );
      return { revokedBefore };
    },
  };
}

let defaultStore: RevocationStore | undefined;

function store(): RevocationStore {
  return (defaultStore ??= dynamoRevocationStore());
}

/** Revokes an access token by its `jti` until `exp` (epoch seconds, the token's `exp` claim). */
export async function revokeToken(jti: string, exp: number): Promise<void> {
  if (!jti) throw new Error('A token without a jti cannot be revoked.');
  await store().revokeToken(jti, exp);
}

/**
 * The hot-path check (authorizer, and handlers re-checking behind the authorizer's cache): one BatchGetItem for the
 * token's jti, its subject and its employee.
 */
export async function isTokenRevoked(token: RevokedToken): Promise<boolean> {
  return store().isRevoked(token);
}

/** Revokes every token of a subject or employee issued up to now (offboarding, POST /auth/revocations). */
export async function revokeSubject(kind: SubjectKind, id: string): Promise<{ revokedBefore: number }> {
  const { OIDC_MAX_TOKEN_LIFETIME_SECONDS } = loadConfig({ OIDC_MAX_TOKEN_LIFETIME_SECONDS: z._default(envVar.positiveInt(), 24 * 3600) });
  return store().revokeSubject(kind, id, OIDC_MAX_TOKEN_LIFETIME_SECONDS);
}
