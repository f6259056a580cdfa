import { randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from '#shared/zod';
import { audit, auditContext, type AuditSink } from '#shared/auth/audit';
import { TenantAccessDeniedError, UnauthorizedError } from '#shared/auth/errors';
import { anonymousPrincipal, isPlatformPrincipal, principalFromAuthorizerContext, type Principal } from '#shared/auth/principal';
import { denialReason, findRoute, isAllowed } from '#shared/auth/rbac';
import { ForbiddenError, ValidationError, type FieldError } from '#shared/domain/errors';
import { logger, metrics } from '#shared/observability';
import { API_PREFIX, type RequestSchemasOf, type Route, type RouteId } from '#shared/routes';
import { SchemaCatalog } from '#shared/schemas/catalog';
import { mapError, PayloadTooLargeError, RateLimitExceededError, UnsupportedMediaTypeError } from './errors';
import { MAX_JSON_DEPTH, nulCharacterFields, tooDeeplyNested } from './json-bounds';
import { createApiIdempotency, idempotencyKeyFor, REPLAYED_HEADER, type ApiIdempotency } from './idempotency';
import { admitRequest, checkAdvanceQuota, instanceRateLimiter } from './admission';
import type { RateLimitDecision, RateLimiter } from './rate-limit';
import { headerValue, jsonResponse, problemResponse, WWW_AUTHENTICATE } from './responses';
import { httpSettings } from './settings';

export type { Principal } from '#shared/auth/principal';
export { jsonResponse, preflightResponse, problemResponse, problemType } from './responses';

export interface ApiRequest<B = unknown, Q = unknown, P = unknown> {
  body: B;
  query: Q;
  params: P;
  /** On 'public'/'webhook-hmac' routes: `{ subject: 'anonymous', roles: [], mfa: false }`. */
  principal: Principal;
  /** The correlation id (API Gateway's request id, or generated; never the caller's): logs, audit, X-Request-ID. */
  requestId: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** The body as received (webhook HMAC needs it). */
  rawBody: string;
  sourceIp: string;
  route: Route;
  remainingTimeMs: () => number;
  /**
   * On 'advance' routes: counts one advance against the hourly quota of the employee it is for, or throws 429. The use
   * case calls it once the request is accepted (authorized, MFA satisfied) and recorded, so refused requests and
   * replays never burn the quota, and an admin acting for an employee counts for that employee. No-op elsewhere.
   */
  chargeAdvanceQuota: (employeeId: string) => Promise<void>;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Seams for tests and special functions; production code passes nothing. */
export interface ApiHandlerOptions {
  rateLimiter?: RateLimiter;
  auditSink?: AuditSink;
  idempotency?: ApiIdempotency;
  /**
   * Authenticates the raw request before anything reads its body (media type, JSON, schema): a signed webhook is
   * refused with 401 whatever its body holds, so a forger learns nothing about the schema.
   */
  verifyRawRequest?: (raw: { headers: Record<string, string>; rawBody: string }) => Promise<void>;
}

type Schemas<B, Q, P> = { body?: z.core.$ZodType<B>; query?: z.core.$ZodType<Q>; params?: z.core.$ZodType<P> };
/** The schema names a route's request part names, or nothing. */
type NamesOf<Id extends RouteId> = RequestSchemasOf<Id>[keyof RequestSchemasOf<Id>] & string;
type Named<C, R, K extends string, Absent> = R extends { [key in K]: infer N } ? (N extends keyof C ? (C[N] extends z.core.$ZodType ? z.output<C[N]> : never) : never) : Absent;
type RouteRequest<Id extends RouteId, C> = ApiRequest<
  Named<C, RequestSchemasOf<Id>, 'body', undefined>,
  Named<C, RequestSchemasOf<Id>, 'query', Record<string, never>>,
  Named<C, RequestSchemasOf<Id>, 'params', Record<string, never>>
>;
type LambdaProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
const requestIds = new WeakMap<object, string>();

/**
 * The correlation id of an event: API Gateway's request id, else a generated UUID — never the caller's, so no caller
 * can make its requests' logs and audit rows look like someone else's. The caller's X-Request-ID is kept beside it
 * (`clientRequestIdOf`).
 */
/** The `Location` of a resource the API serves, from its path below the API prefix (`/employees/<id>`). */
export function apiLocation(path: string): string {
  return `${API_PREFIX}${path}`;
}

export function requestIdOf(event: APIGatewayProxyEvent): string {
  let id = requestIds.get(event);
  if (!id) {
    id = event.requestContext?.requestId || randomUUID();
    requestIds.set(event, id);
  }
  return id;
}

/** The caller's own X-Request-ID when sane (logged as `clientRequestId`, echoed as X-Client-Request-ID); untrusted. */
export function clientRequestIdOf(event: APIGatewayProxyEvent): string | undefined {
  const sent = headerValue(event.headers, 'x-request-id')?.trim();
  return sent && REQUEST_ID_PATTERN.test(sent) ? sent : undefined;
}

/**
 * Wraps a use-case call as an API Gateway proxy Lambda handler: authentication (the authorizer's context only,
 * ADR 0032), default-deny RBAC from the route table, rate limits, JSON parsing and size limits, zod
 * validation, idempotency, CORS + security headers, and RFC 9457 problem responses for every error.
 */
export function apiHandler<Id extends RouteId, C extends Readonly<Record<NamesOf<Id>, z.core.$ZodType>>>(
  routeId: Id,
  catalog: SchemaCatalog<C>,
  fn: (request: RouteRequest<Id, C>) => Promise<ApiResult>,
  options?: ApiHandlerOptions,
): LambdaProxyHandler;
/** Test seam: the same pipeline validating with other schemas than the route names (never used by functions/). */
export function apiHandler<B = undefined, Q = Record<string, never>, P = Record<string, never>>(
  routeId: string,
  schemas: Schemas<B, Q, P>,
  fn: (request: ApiRequest<B, Q, P>) => Promise<ApiResult>,
  options?: ApiHandlerOptions,
): LambdaProxyHandler;
export function apiHandler<B, Q, P>(
  routeId: string,
  catalogOrSchemas: SchemaCatalog<Readonly<Record<string, z.core.$ZodType>>> | Schemas<B, Q, P>,
  fn: (request: ApiRequest<B, Q, P>) => Promise<ApiResult>,
  options: ApiHandlerOptions = {},
): LambdaProxyHandler {
  const route = findRoute(routeId);
  if (!route) throw new Error(`Unknown route id "${routeId}": add it to functions/shared/routes.ts.`);
  // The route table names the request's schemas; the catalogue only supplies them (a missing name fails at load).
  const schemas: Schemas<B, Q, P> = catalogOrSchemas instanceof SchemaCatalog ? routeSchemas(route, catalogOrSchemas) : catalogOrSchemas;
  let idempotency = options.idempotency;

  const core = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const started = Date.now();
    const state: RequestState = {
      requestId: requestIdOf(event),
      clientRequestId: clientRequestIdOf(event),
      origin: headerValue(event.headers, 'origin'),
      instance: event.path || route.path,
      sourceIp: event.requestContext?.identity?.sourceIp || 'unknown',
      principal: anonymousPrincipal(),
      rateHeaders: {},
    };
    let response: APIGatewayProxyResult;
    try {
      const { result, replayed } = await handle(event, context, state);
      const status = Number.isInteger(result.status) && result.status >= 200 && result.status <= 599 ? result.status : 500;
      if (status !== result.status) throw new Error(`Handler of ${route.id} returned an invalid status ${String(result.status)}.`);
      response = jsonResponse(status, result.body, {
        requestId: state.requestId,
        clientRequestId: state.clientRequestId,
        origin: state.origin,
        headers: { ...state.rateHeaders, ...result.headers, ...(replayed ? { [REPLAYED_HEADER]: 'true' } : {}) },
      });
    } catch (error) {
      response = await errorResponse(error, state);
    }
    // No per-request status metric: API Gateway's own Count / 4XXError / 5XXError (free, what the alarms read) count
    // every request; the line's routeId names the route (ADR 0023).
    logger.info('request completed', { status: response.statusCode, durationMs: Date.now() - started });
    return response;
  };

  async function handle(event: APIGatewayProxyEvent, context: Context, state: RequestState): Promise<{ result: ApiResult; replayed: boolean }> {
    const settings = httpSettings();
    const headers = lowerCaseHeaders(event.headers);

    // 1. Who is calling, and may they call this route at all (defense in depth behind the authorizer).
    if (route!.auth === 'jwt') {
      state.principal = principalOf(event);
      if (!isAllowed(route!, state.principal)) {
        throw new RouteDenied(denialReason(route!, state.principal) ?? 'not allowed');
      }
    }

    // 2. Admission: revocation where the route needs it, rate limits per principal and per client IP (admission.ts).
    const limiter = options.rateLimiter ?? instanceRateLimiter();
    const admission = await admitRequest({ route: route!, principal: state.principal, sourceIp: state.sourceIp, limiter, settings });
    if (admission.shown) applyRateHeaders(state, admission.shown);
    if (admission.refused) throw new RateLimitExceededError(admission.refused.retryAfterSeconds);

    // 3. The Idempotency-Key, before any work on the body: a money route without one is refused outright.
    const key = idempotencyKeyFor(route!.idempotency, headers['idempotency-key']);

    // 4. The body: size, media type, JSON.
    const bodyBytes = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8')) : Buffer.alloc(0);
    // A route that takes batches (bulk import: 1,000 rows) declares its own limit in the route table.
    const maxBodyBytes = route!.maxBodyBytes ?? settings.MAX_BODY_BYTES;
    if (bodyBytes.length > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
    const rawBody = bodyBytes.toString('utf8');
    if (options.verifyRawRequest) await options.verifyRawRequest({ headers, rawBody });
    const hasBody = rawBody.trim().length > 0;
    let parsedBody: unknown;
    if (hasBody) {
      if (!isJsonContentType(headers['content-type'])) throw new UnsupportedMediaTypeError();
      if (!schemas.body) throw new ValidationError('This operation takes no request body.', [{ field: 'body', message: 'Not expected.' }]);
      try {
        parsedBody = JSON.parse(rawBody);
      } catch {
        throw new ValidationError('The request body is not valid JSON.', [{ field: 'body', message: 'Malformed JSON.' }]);
      }
      const tooDeep = tooDeeplyNested('body', parsedBody);
      if (tooDeep) throw new ValidationError(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, [{ field: tooDeep, message: 'Too deeply nested.' }]);
    }

    // 5. Validation of body, query and path parameters (schemas are strict objects: unknown fields are refused).
    // PostgreSQL text cannot hold U+0000: refused here (400), not by the database halfway through a write (500).
    const nulFields = [
      ...nulCharacterFields('body', parsedBody),
      ...nulCharacterFields('query', event.queryStringParameters),
      ...nulCharacterFields('params', event.pathParameters),
    ];
    if (nulFields.length > 0) throw new ValidationError('The request contains NUL characters (U+0000), which are not accepted.', nulFields);
    const errors: FieldError[] = [];
    const body = validate('body', schemas.body, parsedBody, errors);
    const rawQuery = event.queryStringParameters ?? {};
    const query = schemas.query
      ? validate('query', schemas.query, rawQuery, errors)
      : refuseUnexpected('query', rawQuery, errors);
    const rawParams = event.pathParameters ?? {};
    const params = schemas.params ? validate('params', schemas.params, rawParams, errors) : (rawParams as P);
    if (errors.length > 0) throw new ValidationError('The request is not valid.', errors);

    const request: ApiRequest<B, Q, P> = {
      body: body as B,
      query: query as Q,
      params: params as P,
      principal: state.principal,
      requestId: state.requestId,
      headers,
      rawBody,
      sourceIp: state.sourceIp,
      route: route!,
      remainingTimeMs: () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000),
      chargeAdvanceQuota: async (employeeId) => {
        if (route!.rateLimitClass !== 'advance' || !settings.RATE_LIMIT_ENABLED) return;
        const decision = await checkAdvanceQuota(limiter, employeeId, settings);
        applyRateHeaders(state, decision);
        if (!decision.allowed) {
          throw new RateLimitExceededError(decision.retryAfterSeconds, `At most ${decision.limit} advance requests per hour: retry after the time in Retry-After.`);
        }
      },
    };

    const work = (): Promise<ApiResult> => fn(request);

    // 6. Idempotency (Powertools), then the use case.
    if (key === undefined) return { result: await work(), replayed: false };
    idempotency ??= createApiIdempotency(route!.id, { expiresAfterSeconds: settings.IDEMPOTENCY_EXPIRES_SECONDS });
    return idempotency.run(
      { subject: state.principal.subject, routeId: route!.id, key },
      { body: request.body ?? null, query: request.query ?? null, params: request.params ?? null },
      context,
      work,
    );
  }

  async function errorResponse(error: unknown, state: RequestState): Promise<APIGatewayProxyResult> {
    const mapped = mapError(error);
    if (mapped.unexpected) {
      logger.error('request failed', { route: route!.id, status: mapped.status, error: error as Error });
    } else {
      logger.info('request refused', { route: route!.id, status: mapped.status, code: mapped.code });
    }
    const denied = error instanceof TenantAccessDeniedError || mapped.status === 401 || mapped.status === 403;
    if (denied) {
      metrics.addMetric('AuthDenied', MetricUnit.Count, 1);
      const reason =
        error instanceof RouteDenied || error instanceof TenantAccessDeniedError || error instanceof UnauthorizedError
          ? error.reason
          : mapped.code === 'MFA_REQUIRED'
            ? 'multi-factor authentication required'
            : mapped.detail;
      const event = {
        ...auditContext(state),
        action: 'route.invoke',
        resource: `route/${route!.id}`,
        outcome: 'denied' as const,
        reason,
        details: { method: route!.method, path: state.instance, status: mapped.status },
      };
      if (options.auditSink) await options.auditSink.record(event).catch(() => undefined);
      else await audit(event);
    }
    if (mapped.status === 429) metrics.addMetric('RateLimited', MetricUnit.Count, 1);
    return problemResponse(
      {
        status: mapped.status,
        code: mapped.code,
        detail: mapped.detail,
        instance: state.instance,
        requestId: state.requestId,
        ...(mapped.errors ? { errors: mapped.errors } : {}),
        ...(mapped.retryAfterSeconds !== undefined ? { retryAfterSeconds: mapped.retryAfterSeconds } : {}),
      },
      {
        clientRequestId: state.clientRequestId,
        origin: state.origin,
        headers: { ...state.rateHeaders, ...(mapped.status === 401 ? { 'WWW-Authenticate': WWW_AUTHENTICATE } : {}) },
      },
    );
  }

  const handler = middy(core, { timeoutEarlyInMillis: 250 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .use({
      before: (request) => {
        const event = request.event as APIGatewayProxyEvent;
        logger.setCorrelationId(requestIdOf(event));
        const clientRequestId = clientRequestIdOf(event);
        logger.appendKeys({ routeId: route.id, ...(clientRequestId ? { clientRequestId } : {}) });
      },
      // Whatever escaped the core (middy's early timeout, a middleware failure) still answers as problem+json.
      onError: async (request) => {
        const event = request.event as APIGatewayProxyEvent;
        request.response = await errorResponse(request.error, {
          requestId: requestIdOf(event),
          clientRequestId: clientRequestIdOf(event),
          origin: headerValue(event.headers, 'origin'),
          instance: event.path || route.path,
          sourceIp: event.requestContext?.identity?.sourceIp || 'unknown',
          principal: anonymousPrincipal(),
          rateHeaders: {},
        });
      },
    });
  return handler as unknown as LambdaProxyHandler;
}

interface RequestState {
  requestId: string;
  clientRequestId: string | undefined;
  origin: string | undefined;
  instance: string;
  sourceIp: string;
  principal: Principal;
  rateHeaders: Record<string, string>;
}

/** RBAC refusal by the handler's own check (reason for the audit log). */
class RouteDenied extends ForbiddenError {
  constructor(readonly reason: string) {
    super();
  }
}

/**
 * The caller as the Lambda authorizer established it. Every `jwt` route sits behind the authorizer (CDK wires it from
 * the route table; the local API server runs it too), so a request without its context reached the function some
 * other way, or the route lost its authorizer: refused, whatever token it carries (default deny, ADR 0032).
 */
function principalOf(event: APIGatewayProxyEvent): Principal {
  const principal = principalFromAuthorizerContext(event.requestContext?.authorizer as Record<string, unknown> | null | undefined);
  if (!principal) throw new UnauthorizedError('no authorizer context');
  return principal;
}

function applyRateHeaders(state: RequestState, decision: RateLimitDecision): void {
  state.rateHeaders = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    ...(decision.allowed ? {} : { 'Retry-After': String(decision.retryAfterSeconds) }),
  };
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

/** `application/json` or `application/<x>+json`, charset (if any) UTF-8. */
function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [mediaType, ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType ?? '')) return false;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** The schemas a route's request part names, looked up in the handler's catalogue. */
function routeSchemas<B, Q, P>(route: Route, catalog: SchemaCatalog<Readonly<Record<string, z.core.$ZodType>>>): Schemas<B, Q, P> {
  const names = route.request ?? {};
  return {
    ...(names.body ? { body: catalog.resolve(names.body, route.id) as z.core.$ZodType<B> } : {}),
    ...(names.query ? { query: catalog.resolve(names.query, route.id) as z.core.$ZodType<Q> } : {}),
    ...(names.params ? { params: catalog.resolve(names.params, route.id) as z.core.$ZodType<P> } : {}),
  };
}

function validate<T>(where: 'body' | 'query' | 'params', schema: z.core.$ZodType<T> | undefined, value: unknown, errors: FieldError[]): T | undefined {
  if (!schema) return undefined;
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const base = [where, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ field: [...base, key].join('.'), message: 'Unknown field.' });
    } else {
      errors.push({ field: base.join('.'), message: issue.message });
    }
  }
  return undefined;
}

function refuseUnexpected(where: 'query', value: Record<string, string | undefined>, errors: FieldError[]): Record<string, never> {
  for (const key of Object.keys(value)) errors.push({ field: `${where}.${key}`, message: 'Unknown parameter.' });
  return {};
}

// Re-exported for handlers that need them next to apiHandler.
export { isPlatformPrincipal };

/**
 * Powertools' logMetrics, except that a request that recorded no metric writes nothing (logMetrics would log a
 * "No application metrics to publish" warning line for it): most requests record none (ADR 0023).
 */
function publishMetrics(): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: async (request) => metrics.captureColdStartMetric((request.context as Context).functionName),
    after: publish,
    onError: publish,
  };
}
