import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RevocationStore } from '#shared/auth/revocation';

/**
 * What every RevocationStore does, run against the in-memory store (unit tier) and the state table (engine tier).
 * `nowSeconds()` is the store's clock; `pass(ms)` lets that much time go by.
 */
export function revocationStoreContract(name: string, setup: () => { store: RevocationStore; nowSeconds: () => number; pass: (ms: number) => Promise<void> }): void {
  describe(`RevocationStore contract: ${name}`, () => {
    it('a revoked token is refused by its jti until its own expiry; other tokens of the subject are not', async () => {
      const { store, nowSeconds, pass } = setup();
      const subject = `u-${randomUUID()}`;
      const jti = randomUUID();
      // Expires 3 s from now: long enough that the checks below run before it, on a loaded machine too.
      await store.revokeToken(jti, nowSeconds() + 3);
      expect(await store.isRevoked({ subject, tokenId: jti, issuedAt: nowSeconds() - 60 })).toBe(true);
      expect(await store.isRevoked({ subject, tokenId: randomUUID(), issuedAt: nowSeconds() - 60 })).toBe(false);
      await pass(4_100);
      expect(await store.isRevoked({ subject, tokenId: jti, issuedAt: nowSeconds() - 60 })).toBe(false);
    });

    it('revoking a subject or an employee refuses tokens issued before the revocation, not those issued after, for as long as it is kept', async () => {
      const { store, pass } = setup();
      const subject = `u-${randomUUID()}`;
      const employeeId = randomUUID();
      const { revokedBefore } = await store.revokeSubject('subject', subject, 3600);
      expect(await store.isRevoked({ subject, issuedAt: revokedBefore - 1 })).toBe(true);
      expect(await store.isRevoked({ subject, issuedAt: revokedBefore })).toBe(false);
      expect(await store.isRevoked({ subject: 'someone-else', issuedAt: revokedBefore - 1 })).toBe(false);
      const byEmployee = await store.revokeSubject('employee', employeeId, 3);
      expect(await store.isRevoked({ subject: `any-${randomUUID()}`, employeeId, issuedAt: byEmployee.revokedBefore - 1 })).toBe(true);
      await pass(4_100);
      expect(await store.isRevoked({ subject: `any-${randomUUID()}`, employeeId, issuedAt: byEmployee.revokedBefore - 1 })).toBe(false);
    });
  });
}
