import { randomUUID, scrypt as scryptCallback, createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { AbhiLoginRejectedError, AbhiTimeoutError, type AbhiErrorContext } from './errors';
import { UnreadableCiphertextError, type FieldCipher } from '#shared/crypto/field-cipher';
import type { AbhiCredentials, CredentialsProvider, StoredToken, TokenStore } from './ports';

/**
 * One Abhi login for the whole fleet. Abhi allows one session per user (a new login revokes the previous token) and
 * locks the user after five failed logins, so:
 * - the token lives in the shared `TokenStore`, sealed with the fleet's token key (AES-256-GCM, `tokenCipher`; ADR
 *   0033: a random key, so opening it costs no key derivation at a cold start), and every instance uses the same one;
 * - it is refreshed `refreshMarginMs` (5 min) before its `exp` by exactly one instance, the one that wins the
 *   conditional-write lease; the others poll the store until the new token appears (single flight fleet-wide, and
 *   in-process through one shared promise);
 * - on a 401 the store is re-read first (another instance may already have a newer token); only if it still holds the
 *   rejected version is there one re-login (again under the lease);
 * - a login rejected for credentials (401/403/423) is recorded in the store with a fingerprint of the credentials and
 *   never retried automatically: every instance then fails with `AbhiLoginRejectedError` without calling Abhi until
 *   the credentials change (a rotated secret is tried once) or an operator clears the rejection.
 */
export type LoginOutcome = { readonly kind: 'ok'; readonly token: string } | { readonly kind: 'rejected'; readonly statusCode: number; readonly message: string };

export interface TokenManagerOptions {
  readonly store: TokenStore;
  /** Seals the token for the store and opens it (field `abhi_access_token`). */
  readonly tokenCipher: FieldCipher;
  readonly credentials: CredentialsProvider;
  /** Performs `POST /auth/login`; throws for transient failures, returns `rejected` for credential failures. */
  readonly login: (credentials: AbhiCredentials, deadline: number) => Promise<LoginOutcome>;
  readonly now?: () => number;
  /** Refresh this long before `exp`. Default 5 min (the SDK's rule). */
  readonly refreshMarginMs?: number;
  /** How long one instance may hold the refresh lease. Default 15 s. */
  readonly leaseMs?: number;
  /** Poll interval while another instance refreshes. Default 100 ms (jittered). */
  readonly pollMs?: number;
  readonly onLogin?: () => void;
  readonly onRejected?: (statusCode: number) => void;
}

export interface CurrentToken {
  readonly token: string;
  readonly exp: number;
  readonly version: number;
}

const LOGIN_CONTEXT: AbhiErrorContext = { operation: 'auth.login', endpoint: 'POST /auth/login' };
const TOKEN_FIELD = 'abhi_access_token';

export class TokenManager {
  private current: CurrentToken | undefined;
  private inflight: Promise<CurrentToken> | undefined;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 100;
  }

  private fresh(exp: number): boolean {
    return this.now() + this.refreshMarginMs < exp * 1000;
  }

  /** A token valid for at least the refresh margin, logging in (once, fleet-wide) if needed. */
  async getToken(deadline: number): Promise<CurrentToken> {
    if (this.current && this.fresh(this.current.exp)) return this.current;
    return this.singleFlight(undefined, deadline);
  }

  /** After Abhi answered 401 to `version`: a newer token from the store, or one re-login. */
  async afterUnauthorized(version: number, deadline: number): Promise<CurrentToken> {
    if (this.current && this.current.version > version && this.fresh(this.current.exp)) return this.current;
    if (this.current && this.current.version <= version) this.current = undefined;
    return this.singleFlight(version, deadline);
  }

  /** After a logout: forget the token locally and in the store (if it is still that version). */
  async forget(version: number): Promise<void> {
    if (this.current?.version === version) this.current = undefined;
    await this.options.store.clearToken(version);
  }

  private async singleFlight(badVersion: number | undefined, deadline: number): Promise<CurrentToken> {
    while (this.inflight) {
      const result = await withDeadline(this.inflight.catch(() => undefined), deadline);
      if (result && this.fresh(result.exp) && (badVersion === undefined || result.version > badVersion)) return result;
      if (!this.inflight) break;
    }
    const flight = this.obtain(badVersion, deadline).finally(() => {
      if (this.inflight === flight) this.inflight = undefined;
    });
    this.inflight = flight;
    return flight;
  }

  private async obtain(badVersion: number | undefined, deadline: number): Promise<CurrentToken> {
    const owner = randomUUID();
    // Only a login or a recorded rejection needs the credentials: a cold start that finds a token reads no secret
    // but the token key.
    let credentials: Promise<AbhiCredentials> | undefined;
    const credentialsOnce = () => (credentials ??= this.options.credentials.get());

    const usable = async (token: StoredToken | undefined): Promise<CurrentToken | undefined> => {
      if (!token || !this.fresh(token.exp) || (badVersion !== undefined && token.version <= badVersion)) return undefined;
      if (this.current?.version === token.version) return this.current;
      try {
        const plain = await this.options.tokenCipher.decrypt(TOKEN_FIELD, token.sealed);
        this.current = { token: plain, exp: token.exp, version: token.version };
        return this.current;
      } catch (error) {
        // Sealed with a key the ring no longer lists, or in an older format: one fleet login replaces it. Failing to
        // read the key is not that, and fails the call instead of logging in (which would revoke the fleet's session).
        if (error instanceof UnreadableCiphertextError) return undefined;
        throw error;
      }
    };

    let waits = 0;
    for (;;) {
      const now = this.now();
      if (now >= deadline) throw new AbhiTimeoutError('no Abhi access token within the deadline (another instance is refreshing it)', false, LOGIN_CONTEXT);
      const record = await this.options.store.read();
      const fromStore = await usable(record.token);
      if (fromStore) return fromStore;
      if (record.rejection && record.rejection.fingerprint === (await credentialsFingerprint(await credentialsOnce()))) {
        throw new AbhiLoginRejectedError(record.rejection.statusCode, record.rejection.message, LOGIN_CONTEXT, true);
      }
      if (record.lease && record.lease.until >= now) {
        // Another instance is logging in: poll with a growing, jittered interval (≤ 5 × pollMs) to spare the table.
        const interval = Math.min(this.pollMs * 1.5 ** waits, this.pollMs * 5) * (0.5 + Math.random());
        waits += 1;
        await sleep(Math.min(interval, Math.max(1, deadline - now)));
        continue;
      }
      const lease = await this.options.store.tryAcquireLease(owner, now + this.leaseMs, now);
      if (!lease.acquired) continue;
      try {
        const loginCredentials = await credentialsOnce();
        const fingerprint = await credentialsFingerprint(loginCredentials);
        // Someone may have published between our read and the lease.
        const published = await usable(lease.record.token);
        if (published) {
          await this.options.store.releaseLease(owner);
          return published;
        }
        if (lease.record.rejection?.fingerprint === fingerprint) {
          await this.options.store.releaseLease(owner);
          throw new AbhiLoginRejectedError(lease.record.rejection.statusCode, lease.record.rejection.message, LOGIN_CONTEXT, true);
        }
        // The token key must be at hand before Abhi is asked: a token that cannot be sealed is never published, and
        // the login would only have revoked the fleet's session.
        await this.options.tokenCipher.encrypt(TOKEN_FIELD, '');
        const outcome = await this.options.login(loginCredentials, Math.min(deadline, now + this.leaseMs - 250));
        if (outcome.kind === 'rejected') {
          await this.options.store.recordRejection(owner, { fingerprint, statusCode: outcome.statusCode, message: outcome.message, at: this.now() });
          this.options.onRejected?.(outcome.statusCode);
          throw new AbhiLoginRejectedError(outcome.statusCode, outcome.message, LOGIN_CONTEXT);
        }
        this.options.onLogin?.();
        const exp = expiryOf(outcome.token, this.now());
        const sealed = await this.options.tokenCipher.encrypt(TOKEN_FIELD, outcome.token);
        const stored = await this.options.store.publishToken(owner, { sealed, exp, obtainedAt: this.now() });
        // Lease lost (we outlived it): our token is still the newest Abhi issued as far as we know; use it, and a
        // later 401 will fetch whatever the store holds then.
        this.current = { token: outcome.token, exp, version: stored?.version ?? lease.record.token?.version ?? 0 };
        return this.current;
      } catch (error) {
        await this.options.store.releaseLease(owner).catch(() => undefined);
        throw error;
      }
    }
  }
}

/** The JWT's `exp` read without verifying (like the SDK); if unreadable, assume now + 23 h as the SDK does. */
function expiryOf(token: string, now: number): number {
  try {
    const { exp } = decodeJwt(token);
    if (typeof exp === 'number' && Number.isFinite(exp)) return exp;
  } catch {
    // not a JWT
  }
  return Math.floor(now / 1000) + 23 * 3600;
}

const fingerprints = new Map<string, Promise<string>>();

/**
 * A slow, salted digest of the credentials, so a stored rejection blocks only the same credentials and the stored
 * value does not make offline password guessing cheap. Memoized per process (by a fast digest held only in memory).
 */
function credentialsFingerprint(credentials: AbhiCredentials): Promise<string> {
  const material = `${credentials.username}\u0000${credentials.password}\u0000${credentials.signingSecret ?? ''}`;
  const memoKey = createHash('sha256').update(material).digest('base64');
  let fingerprint = fingerprints.get(memoKey);
  if (!fingerprint) {
    fingerprint = new Promise<string>((resolve, reject) =>
      scryptCallback(material, `abhi-login-rejection:${credentials.username}`, 24, { N: 2 ** 14, r: 8, p: 1 }, (error, key) =>
        error ? reject(error) : resolve(key.toString('base64url')),
      ),
    );
    fingerprints.set(memoKey, fingerprint);
  }
  return fingerprint;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new AbhiTimeoutError('no Abhi access token within the deadline', false, LOGIN_CONTEXT);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AbhiTimeoutError('no Abhi access token within the deadline', false, LOGIN_CONTEXT)), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
