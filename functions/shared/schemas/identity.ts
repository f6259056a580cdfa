import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { isoDateTime, resourceId } from './common';

/** Logout and token revocation (ADR 0015). */
export const logoutBody = z.optional(
  z.strictObject({
    refreshToken: z
      .optional(z.string().check(z.minLength(1), z.maxLength(8192)))
      .check(z.meta({ description: "The session's refresh token: revoked at the identity provider (RFC 7009) when it publishes a revocation endpoint" })),
  }),
);
export type LogoutInput = NonNullable<z.output<typeof logoutBody>>;

export const REFRESH_TOKEN_OUTCOMES = ['revoked', 'not_given', 'not_supported', 'failed'] as const;
export type RefreshTokenOutcome = (typeof REFRESH_TOKEN_OUTCOMES)[number];

export const createRevocationBody = z
  .strictObject({
    subject: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(255))).check(z.meta({ description: "The identity provider's user id (the tokens' sub); platform admins only" })),
    employeeId: z.optional(resourceId('Employee')).check(z.meta({ description: "An employee: every token carrying this employee_id" })),
  })
  .check(
    z.refine((body) => (body.subject === undefined) !== (body.employeeId === undefined), {
      message: 'Give exactly one of subject or employeeId.',
      path: ['subject'],
    }),
  )
  .check(
    z.meta({
      description: 'Whose tokens to revoke: exactly one of subject or employeeId',
      oneOf: [{ required: ['subject'] }, { required: ['employeeId'] }],
      example: { employeeId: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f' },
    }),
  );
export type CreateRevocationInput = z.output<typeof createRevocationBody>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const IDENTITY_REQUESTS = named({
  LogoutRequest: logoutBody,
  CreateRevocationRequest: createRevocationBody,
});
export function identityResponses() {
  return builtOnce(identityAnswers);
}

function identityAnswers() {
  return named({
    Logout: z
      .object({
        accessTokenRevokedUntil: isoDateTime().check(z.meta({ description: "The access token's expiry: refused until then, within 5 s of this answer" })),
        refreshToken: z.enum(REFRESH_TOKEN_OUTCOMES).check(z.meta({ description: 'What the identity provider said about the refresh token' })),
      })
      .check(z.meta({ description: 'Logged out' })),
    Revocation: z
      .object({
        kind: z.enum(['subject', 'employee']),
        id: z.string(),
        revokedBefore: isoDateTime().check(z.meta({ description: 'Tokens issued before this instant are refused, within 5 s of this answer' })),
      })
      .check(z.meta({ description: 'Every token of the subject or employee issued before now is revoked' })),
  });
}

export type RevocationView = z.infer<ReturnType<typeof identityResponses>['schemas']['Revocation']>;
