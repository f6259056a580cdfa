/** The auth edge in one import: `import { verifyAccessToken, authorize, isAllowed } from '#shared/auth/index'`. */
export { audit, auditContext, LogAuditSink, MemoryAuditSink, PostgresAuditSink, setAuditSink, type AuditEvent, type AuditOutcome, type AuditSink } from './audit';
export { authorize, setAuthorizerAuditSink, type AuthorizeOptions } from './authorizer';
export { TenantAccessDeniedError, UnauthorizedError } from './errors';
export { assertMfa, assertMfaFor } from './mfa';
export { anonymousPrincipal, isPlatformPrincipal, principalFromAuthorizerContext, toAuthorizerContext, type Principal } from './principal';
export { allowedRoutes, isAllowed, policyAllows, policyFor } from './rbac';
export { isTokenRevoked, revokeSubject, revokeToken } from './revocation';
export * from './tenant';
export { bearerToken, createTokenVerifier, verifyAccessToken, type TokenVerifier } from './verify';
