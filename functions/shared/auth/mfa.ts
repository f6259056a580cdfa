import { MfaRequiredError } from '#shared/domain/errors';
import type { Principal } from './principal';

/**
 * Step-up authentication: an operation moving more than `thresholdFils` requires a token obtained with MFA.
 * Amounts are integer fils (see #shared/domain/money); the threshold itself is allowed without MFA.
 */
export function assertMfaFor(principal: Pick<Principal, 'mfa'>, amountFils: bigint | number, thresholdFils: bigint | number): void {
  if (BigInt(amountFils) > BigInt(thresholdFils) && !principal.mfa) throw new MfaRequiredError();
}

/** Throws 403 MFA_REQUIRED unless the token was obtained with MFA. */
export function assertMfa(principal: Pick<Principal, 'mfa'>): void {
  if (!principal.mfa) throw new MfaRequiredError();
}
