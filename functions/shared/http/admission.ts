import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { UnauthorizedError } from '#shared/auth/errors';
import type { Principal } from '#shared/auth/principal';
import { isTokenRevoked } from '#shared/auth/revocation';
import { logger, metrics } from '#shared/observability';
import type { Route } from '#shared/routes';
import {
  DynamoDbRateLimitStore,
  LocalFirstRateLimitStore,
  shardedRateLimitStore,
  RateLimiter,
  rateLimitRules,
  type RateLimitDecision,
  type RateLimitedClass,
  type RateLimitRule,
} from './rate-limit';
import type { HttpSettings } from './settings';

/**
 * Admission at the API edge, before the body is read: is the token still good (revocation) and is the caller within
 * its rate limits (per principal, per client IP) — and, when the use case runs, the advance quota. One module, so
 * the identity checks (logout, revocation) and the quota keys change here and nowhere else.
 *
 * Cost (ADR 0019): the rate limits are per-container token buckets that go to DynamoDB only near the limit
 * (LocalFirstRateLimitStore), so an ordinary request makes no DynamoDB request here; the revocation check is one
 * GetItem, on the routes that need it (revocationCheckRequired).
 */

let sharedLimiter: RateLimiter | undefined;

/** The production limiter of this instance: local shares in front of the DynamoDB buckets, sharded (ADR 0023). */
export function instanceRateLimiter(): RateLimiter {
  sharedLimiter ??= new RateLimiter(new LocalFirstRateLimitStore(shardedRateLimitStore(new DynamoDbRateLimitStore())));
  return sharedLimiter;
}

/**
 * Routes whose handler re-checks revocation: the money-moving ones. Elsewhere the authorizer's check stands (API
 * Gateway caches its answer per token for the authorizer TTL, so a revocation reaches those routes within it).
 */
export function revocationCheckRequired(route: Route): boolean {
  return route.auth === 'jwt' && route.idempotency === 'required';
}

export interface AdmissionResult {
  /** The decision whose RateLimit-* headers the response carries. */
  readonly shown?: RateLimitDecision;
  /** Set when a limit refused the request (answer 429 with its Retry-After). */
  readonly refused?: RateLimitDecision;
}

/** Revocation (throws UnauthorizedError) and the read/write rate limits of one request, concurrently. */
export async function admitRequest(input: {
  route: Route;
  principal: Principal;
  sourceIp: string;
  limiter: RateLimiter;
  settings: HttpSettings;
}): Promise<AdmissionResult> {
  const { route, principal, settings } = input;
  // One BatchGetItem: the token's jti, its subject and its employee (auth/revocation.ts).
  const revoked = revocationCheckRequired(route) ? isTokenRevoked(principal) : Promise.resolve(false);
  const limited = settings.RATE_LIMIT_ENABLED && route.rateLimitClass !== 'none' ? rateLimits(input) : Promise.resolve({});
  const [isRevoked, result] = await Promise.all([revoked, limited]);
  // Money-moving routes re-check revocation: the authorizer's cached answer may predate a revocation.
  if (isRevoked) throw new UnauthorizedError('token revoked (re-checked by the handler)');
  return result;
}

async function rateLimits({ route, principal, sourceIp, limiter, settings }: Parameters<typeof admitRequest>[0]): Promise<AdmissionResult> {
  const rateClass = route.rateLimitClass as RateLimitedClass;
  // Per principal: an advance route is limited like a write here; its hourly quota is checked on execution.
  const principalClass: RateLimitedClass = rateClass === 'advance' ? 'write' : rateClass;
  const checks: Promise<RateLimitDecision | undefined>[] = [safeCheck(limiter, principalClass, `ip:${sourceIp}`, rateLimitRules(settings, 'ip')[principalClass])];
  if (route.auth === 'jwt') {
    checks.push(safeCheck(limiter, principalClass, `sub:${principal.subject}`, rateLimitRules(settings, 'principal')[principalClass]));
  }
  const [ipDecision, principalDecision] = await Promise.all(checks);
  const refused = [principalDecision, ipDecision].find((d) => d && !d.allowed);
  return { shown: refused ?? principalDecision ?? ipDecision, refused };
}

/** Read/write limits fail open: an outage of the limiter's table must not take the API down with it. */
async function safeCheck(limiter: RateLimiter, rateClass: RateLimitedClass, subject: string, rule: RateLimitRule) {
  try {
    return await limiter.check(rateClass, subject, rule);
  } catch (error) {
    logger.error('rate limiter unavailable; request admitted', { error: error as Error });
    metrics.addMetric('RateLimiterErrors', MetricUnit.Count, 1);
    return undefined;
  }
}

/**
 * The advance quota (at most N per employee per rolling hour), charged by the use case once an advance for that
 * employee is accepted and recorded (`ApiRequest.chargeAdvanceQuota`).
 */
export function checkAdvanceQuota(limiter: RateLimiter, employeeId: string, settings: HttpSettings): Promise<RateLimitDecision> {
  return limiter.check('advance', `emp:${employeeId}`, rateLimitRules(settings, 'principal').advance);
}
