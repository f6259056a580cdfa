import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ErrorCode, FieldError } from '#shared/domain/errors';
import { httpSettings } from './settings';

/** Headers on every response: no caching of personal data, no framing, no sniffing, HTTPS only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
});

export const CORS_ALLOWED_HEADERS = 'Authorization,Content-Type,Idempotency-Key,X-Request-ID,Prefer';
export const CORS_EXPOSED_HEADERS = 'X-Request-ID,X-Client-Request-ID,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset,Retry-After,Idempotent-Replayed,Location,Preference-Applied';
export const CORS_ALLOWED_METHODS = 'GET,POST,PUT,DELETE,OPTIONS';

/** The challenge every 401 carries (RFC 6750), from a function, the local gateway or the deployed one. */
export const WWW_AUTHENTICATE = 'Bearer realm="abhi-ewa"';

/** CORS response headers for `origin` when it is configured in CORS_ALLOWED_ORIGINS (`*` allows any). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  const allowed = httpSettings().CORS_ALLOWED_ORIGINS;
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (!origin) return headers;
  if (allowed.includes('*')) headers['Access-Control-Allow-Origin'] = '*';
  else if (allowed.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
  else return headers;
  headers['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS;
  return headers;
}

export interface ResponseOptions {
  /** The correlation id: API Gateway's request id (or one generated here), never the caller's. */
  requestId?: string;
  /** The caller's own X-Request-ID, echoed beside ours as X-Client-Request-ID. */
  clientRequestId?: string;
  /** The request's Origin header, for CORS. */
  origin?: string;
  headers?: Record<string, string>;
}

function finalHeaders(contentType: string | undefined, options: ResponseOptions): Record<string, string> {
  return {
    ...(contentType ? { 'Content-Type': contentType } : {}),
    ...SECURITY_HEADERS,
    ...corsHeaders(options.origin),
    ...options.headers,
    ...(options.requestId ? { 'X-Request-ID': options.requestId } : {}),
    ...(options.clientRequestId ? { 'X-Client-Request-ID': options.clientRequestId } : {}),
  };
}

/** A JSON response with the security, CORS and request-id headers. `body` undefined → empty body (204). */
export function jsonResponse(status: number, body: unknown, options: ResponseOptions = {}): APIGatewayProxyResult {
  const hasBody = body !== undefined;
  return {
    statusCode: status,
    headers: finalHeaders(hasBody ? 'application/json; charset=utf-8' : undefined, options),
    body: hasBody ? JSON.stringify(body) : '',
  };
}

export const PROBLEM_TYPE_BASE = 'https://errors.abhi-ewa.example/';

/** The `type` URI of a problem: `https://errors.abhi-ewa.example/validation-error` for VALIDATION_ERROR. */
export function problemType(code: ErrorCode): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;
}

export const PROBLEM_TITLES: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: 'The request is not valid',
  VALIDATION_FAILED: 'The advance cannot be granted',
  NOT_FOUND: 'Not found',
  UNAUTHORIZED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  MFA_REQUIRED: 'Multi-factor authentication required',
  CONFLICT: 'Conflict',
  RATE_LIMIT_EXCEEDED: 'Too many requests',
  EXTERNAL_API_ERROR: 'The upstream service failed',
  CIRCUIT_BREAKER_OPEN: 'The upstream service is temporarily unavailable',
  INTERNAL_ERROR: 'Internal error',
  SERVICE_UNAVAILABLE: 'Service temporarily unavailable',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  IDEMPOTENCY_KEY_REQUIRED: 'Idempotency-Key header required',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused with a different request',
  REQUEST_IN_PROGRESS: 'A request with this Idempotency-Key is in progress',
};

/** RFC 9457 problem details, plus `code`, `errors[]` (validation) and `requestId`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  errors?: readonly FieldError[];
  requestId?: string;
}

export interface ProblemInput {
  status: number;
  code: ErrorCode;
  detail: string;
  /** The request path. */
  instance?: string;
  requestId?: string;
  errors?: readonly FieldError[];
  retryAfterSeconds?: number;
  title?: string;
}

export function problemBody(input: ProblemInput): Problem {
  return {
    type: problemType(input.code),
    title: input.title ?? PROBLEM_TITLES[input.code],
    status: input.status,
    detail: input.detail,
    ...(input.instance ? { instance: input.instance } : {}),
    code: input.code,
    ...(input.errors && input.errors.length > 0 ? { errors: input.errors } : {}),
    ...(input.requestId ? { requestId: input.requestId } : {}),
  };
}

/** An `application/problem+json` response (for the authorizer's gateway responses and the local API too). */
export function problemResponse(input: ProblemInput, options: ResponseOptions = {}): APIGatewayProxyResult {
  const retry: Record<string, string> =
    input.retryAfterSeconds !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(input.retryAfterSeconds))) } : {};
  return {
    statusCode: input.status,
    headers: finalHeaders('application/problem+json', {
      ...options,
      requestId: options.requestId ?? input.requestId,
      headers: { ...options.headers, ...retry },
    }),
    body: JSON.stringify(problemBody({ ...input, requestId: input.requestId ?? options.requestId })),
  };
}

/** Answer to a CORS preflight (OPTIONS): 204, with the CORS grant only when the Origin is allowed. */
export function preflightResponse(event: Pick<APIGatewayProxyEvent, 'headers'>): APIGatewayProxyResult {
  const origin = headerValue(event.headers, 'origin');
  const cors = corsHeaders(origin);
  const headers: Record<string, string> = { ...SECURITY_HEADERS, ...cors };
  if (cors['Access-Control-Allow-Origin']) {
    headers['Access-Control-Allow-Methods'] = CORS_ALLOWED_METHODS;
    headers['Access-Control-Allow-Headers'] = CORS_ALLOWED_HEADERS;
    headers['Access-Control-Max-Age'] = '600';
  }
  return { statusCode: 204, headers, body: '' };
}

export function headerValue(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted && value !== undefined) return value;
  return undefined;
}

/**
 * What the API gateway answers by itself (no route, authorizer said no, too large, throttled, timed out), by status.
 * The local API server sends these bodies and the deployed API configures them as gateway responses
 * (infra/constructs/rest-api.ts), so clients see one format whichever layer refused.
 */
export const GATEWAY_PROBLEMS = {
  400: { code: 'VALIDATION_ERROR', detail: 'The request is not valid.' },
  401: { code: 'UNAUTHORIZED', detail: 'A valid bearer token is required.' },
  403: { code: 'FORBIDDEN', detail: 'You are not allowed to perform this operation.' },
  404: { code: 'NOT_FOUND', detail: 'No such route.' },
  413: { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' },
  429: { code: 'RATE_LIMIT_EXCEEDED', detail: 'Too many requests; retry later.' },
  500: { code: 'INTERNAL_ERROR', detail: 'The request could not be processed.' },
  504: { code: 'SERVICE_UNAVAILABLE', detail: 'The request took too long; retry later.' },
} as const satisfies Record<number, { code: ErrorCode; detail: string }>;
