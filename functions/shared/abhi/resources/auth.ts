import type * as z from '#shared/zod';
import { AbhiApiError, AbhiForbiddenError, AbhiUnauthorizedError, type AbhiErrorContext } from '../errors';
import type { AbhiTransport, CallOptions } from '../transport';
import type { LoginOutcome, TokenManager } from '../token-manager';
import type { AbhiCredentials } from '../ports';
import * as S from '../schemas';
import type { AbhiResourceContext } from './context';

/**
 * The fleet's own login (POST /auth/login with the configured credentials). The TokenManager calls it, so it goes
 * through `transport.execute` with `login: true` (no bearer, no re-login loop) instead of the resource `call`.
 */
export async function fleetLogin(transport: AbhiTransport, credentials: AbhiCredentials, deadline: number): Promise<LoginOutcome> {
  const context: AbhiErrorContext = { operation: 'auth.login', endpoint: 'POST /auth/login' };
  try {
    const data = await transport.execute(
      {
        operation: 'auth.login',
        group: 'auth',
        method: 'POST',
        pathTemplate: '/auth/login',
        path: '/auth/login',
        body: { username: credentials.username, password: credentials.password },
        schema: S.LoginDataSchema,
        idempotent: true,
        login: true,
      },
      context,
      deadline,
    );
    return { kind: 'ok', token: data.token };
  } catch (error) {
    if (error instanceof AbhiUnauthorizedError || error instanceof AbhiForbiddenError || (error instanceof AbhiApiError && error.statusCode === 423)) {
      return { kind: 'rejected', statusCode: error.statusCode, message: error.abhiMessage };
    }
    throw error;
  }
}

/** The fleet session `auth.logout()` ends when called without a token. */
export interface FleetSession {
  readonly tokens: TokenManager;
  deadlineOf(options?: CallOptions): number;
}

/** `client.auth`: the /auth endpoints (group `auth`). */
export function authResource(abhi: AbhiResourceContext, fleet: FleetSession) {
  const post = <T>(operation: string, path: string, body: unknown, schema: z.ZodMiniType<T> | undefined, idempotent: boolean, options?: CallOptions) =>
    abhi.call<T>({ operation: `auth.${operation}`, group: 'auth', method: 'POST', pathTemplate: path, path, body, schema, idempotent }, options);
  const get = <T>(operation: string, path: string, schema: z.ZodMiniType<T>, options?: CallOptions, reauthenticate = true) =>
    abhi.call<T>({ operation: `auth.${operation}`, group: 'auth', method: 'GET', pathTemplate: path, path, schema, idempotent: true, reauthenticate }, options);
  return {
    /** POST /auth/employee-login → AuthResponse (an employee's own session; sent with the fleet bearer, like the SDK). */
    employeeLogin: async (request: S.EmployeeLoginRequest, options?: CallOptions) =>
      post('employeeLogin', '/auth/employee-login', abhi.validate(S.authSchemas().EmployeeLoginRequest, request, 'auth.employeeLogin', 'POST /auth/employee-login'), S.authSchemas().AuthResponse, true, options),
    /** POST /auth/employer-login → AuthResponse. */
    employerLogin: async (request: S.EmployerLoginRequest, options?: CallOptions) =>
      post('employerLogin', '/auth/employer-login', abhi.validate(S.authSchemas().EmployerLoginRequest, request, 'auth.employerLogin', 'POST /auth/employer-login'), S.authSchemas().AuthResponse, true, options),
    /**
     * POST /auth/login with explicit credentials → AuthResponse. WARNING: with the fleet's own username this revokes
     * the shared token (one session per user); the fleet then recovers with one re-login.
     */
    thirdPartyLogin: async (request: S.ThirdPartyLoginRequest, options?: CallOptions) =>
      post('thirdPartyLogin', '/auth/login', abhi.validate(S.authSchemas().ThirdPartyLoginRequest, request, 'auth.thirdPartyLogin', 'POST /auth/login'), S.authSchemas().AuthResponse, true, options),
    /** POST /auth/refresh → AuthResponse. */
    refreshToken: async (request: S.RefreshTokenRequest, options?: CallOptions) =>
      post('refreshToken', '/auth/refresh', abhi.validate(S.authSchemas().RefreshTokenRequest, request, 'auth.refreshToken', 'POST /auth/refresh'), S.authSchemas().AuthResponse, true, options),
    /**
     * POST /auth/logout. Without `token` this ends the FLEET session: the shared token is removed from the store and
     * the next call logs in again.
     */
    logout: async (request: { token?: string } = {}, options?: CallOptions) => {
      const current = request.token ? undefined : await fleet.tokens.getToken(fleet.deadlineOf(options));
      await post<void>('logout', '/auth/logout', request.token ? { token: request.token } : {}, undefined, false, options);
      if (current) await fleet.tokens.forget(current.version);
    },
    /** GET /auth/me → AuthUser (the fleet user). */
    getCurrentUser: (options?: CallOptions) => get('getCurrentUser', '/auth/me', S.authSchemas().AuthUser, options),
    /** GET /auth/session → SessionInfo (contains the token: never log it). */
    getSessionInfo: (options?: CallOptions) => get('getSessionInfo', '/auth/session', S.authSchemas().SessionInfo, options),
    /** POST /auth/change-password. Changing the FLEET password also requires updating the secret at once. */
    changePassword: async (request: S.ChangePasswordRequest, options?: CallOptions) =>
      post<void>('changePassword', '/auth/change-password', abhi.validate(S.authSchemas().ChangePasswordRequest, request, 'auth.changePassword', 'POST /auth/change-password'), undefined, false, options),
    /** POST /auth/reset-password. */
    requestPasswordReset: async (request: S.ResetPasswordRequest, options?: CallOptions) =>
      post<void>('requestPasswordReset', '/auth/reset-password', abhi.validate(S.authSchemas().ResetPasswordRequest, request, 'auth.requestPasswordReset', 'POST /auth/reset-password'), undefined, true, options),
    /** POST /auth/reset-password/confirm. */
    confirmPasswordReset: async (request: S.ResetPasswordConfirmRequest, options?: CallOptions) =>
      post<void>(
        'confirmPasswordReset',
        '/auth/reset-password/confirm',
        abhi.validate(S.authSchemas().ResetPasswordConfirmRequest, request, 'auth.confirmPasswordReset', 'POST /auth/reset-password/confirm'),
        undefined,
        false,
        options,
      ),
    /** POST /auth/mfa/setup → MFAResponse. */
    setupMfa: async (request: S.MfaSetupRequest, options?: CallOptions) =>
      post('setupMfa', '/auth/mfa/setup', abhi.validate(S.authSchemas().MfaSetupRequest, request, 'auth.setupMfa', 'POST /auth/mfa/setup'), S.authSchemas().MfaResponse, false, options),
    /** POST /auth/mfa/verify → AuthResponse. */
    verifyMfa: async (request: S.MfaVerificationRequest, options?: CallOptions) =>
      post('verifyMfa', '/auth/mfa/verify', abhi.validate(S.authSchemas().MfaVerificationRequest, request, 'auth.verifyMfa', 'POST /auth/mfa/verify'), S.authSchemas().AuthResponse, false, options),
    /** POST /auth/mfa/disable (no body). */
    disableMfa: (options?: CallOptions) =>
      abhi.call<void>({ operation: 'auth.disableMfa', group: 'auth', method: 'POST', pathTemplate: '/auth/mfa/disable', path: '/auth/mfa/disable', idempotent: true }, options),
    /** GET /auth/mfa/status → MFAResponse. */
    getMfaStatus: (options?: CallOptions) => get('getMfaStatus', '/auth/mfa/status', S.authSchemas().MfaResponse, options),
    /**
     * GET /auth/validate → true when the fleet token is accepted, false when Abhi rejects it (4xx). Unlike the SDK
     * (false on ANY error) transport failures and an open breaker are thrown. Never triggers a re-login.
     */
    validateToken: async (options?: CallOptions): Promise<boolean> => {
      try {
        await abhi.call<void>(
          { operation: 'auth.validateToken', group: 'auth', method: 'GET', pathTemplate: '/auth/validate', path: '/auth/validate', idempotent: true, reauthenticate: false },
          options,
        );
        return true;
      } catch (error) {
        if (error instanceof AbhiApiError && error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 429) return false;
        throw error;
      }
    },
  };
}
