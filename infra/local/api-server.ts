import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { API_PREFIX, ROUTES, type Route } from '#shared/routes';
import { policyAllows } from '#shared/auth/rbac';
import { GATEWAY_PROBLEMS, preflightResponse, problemResponse, WWW_AUTHENTICATE } from '#shared/http/responses';
import { fakeLambdaContext } from './lambda-context';

/**
 * The local stand-in for API Gateway (REST API): serves the same route table CDK deploys, turns each HTTP request
 * into the `APIGatewayProxyEvent` API Gateway would send (body as a string, base64 for binary, multi-value query
 * and headers, path parameters, request context), runs the Lambda authorizer first on `jwt` routes and puts its
 * context where API Gateway does, then maps the handler's result back to HTTP.
 */
type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

const FUNCTIONS_DIR = path.resolve(import.meta.dirname, '../../functions');
const STAGE = 'local';
const API_ID = 'local';
const MAX_BODY_BYTES = 10 * 1024 * 1024; // API Gateway's payload limit

export interface ApiServerOptions {
  port: number;
  /** Extra routes served only locally (interactive docs), matched before the route table. */
  extraRoutes?: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>;
  /**
   * API Gateway's authorizer result cache, keyed on the Authorization header like the deployed authorizer
   * (stage config `authorizerCacheTtlSeconds`); 0 or absent: the authorizer runs on every request.
   */
  authorizerCacheTtlSeconds?: number;
  /** One short line per request (`npm start` without LOG_FORMAT=json), e.g. `10:04:05 GET /api/v1/employees 200 12 ms`. */
  accessLog?: (line: string) => void;
}

export interface ApiServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function loadEntry<T>(entry: string, exportName = 'handler'): Promise<T> {
  const module = (await import(pathToFileURL(path.join(FUNCTIONS_DIR, `${entry}.ts`)).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`functions/${entry}.ts does not export a "${exportName}" function.`);
  return handler as T;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly paramNames: string[];
  /** Static segments win over parameters, as in API Gateway (`/employees/search` before `/employees/{id}`). */
  readonly specificity: number;
}

export function compileRoutes(routes: readonly Route[] = ROUTES): CompiledRoute[] {
  return routes
    .map((route) => {
      const paramNames: string[] = [];
      const segments = route.path.split('/').filter(Boolean);
      const pattern = new RegExp(
        `^${segments
          .map((segment) => {
            const param = /^\{(\w+)\}$/.exec(segment);
            if (param) {
              paramNames.push(param[1]!);
              return '/([^/]+)';
            }
            return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
          })
          .join('')}/?$`,
      );
      const specificity = segments.reduce((score, s, i) => score + (s.startsWith('{') ? 0 : 2 ** (10 - i)), 0);
      return { route, pattern, paramNames, specificity };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

export function matchRoute(compiled: CompiledRoute[], method: string, pathname: string): { route?: Route; pathParameters: Record<string, string> } {
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const match = candidate.pattern.exec(pathname);
    if (!match) continue;
    try {
      const pathParameters = Object.fromEntries(candidate.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
      return { route: candidate.route, pathParameters };
    } catch {
      return { pathParameters: {} }; // malformed percent-encoding: no route, as API Gateway
    }
  }
  return { pathParameters: {} };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const compiled = compileRoutes();
  const handlers = new Map<string, Promise<ProxyHandler>>();
  let authorizer: Promise<AuthorizerHandler> | undefined;
  const authorizerCache = new Map<string, { result: APIGatewayAuthorizerResult; expires: number }>();
  const cacheMs = (options.authorizerCacheTtlSeconds ?? 0) * 1000;
  const cachedAuthorizer = async (handler: AuthorizerHandler, event: APIGatewayRequestAuthorizerEvent, context: Context) => {
    const key = event.headers?.Authorization ?? event.headers?.authorization;
    if (cacheMs <= 0 || !key) return handler(event, context);
    const hit = authorizerCache.get(key);
    if (hit && hit.expires > Date.now()) return hit.result;
    const result = await handler(event, context); // a thrown "Unauthorized" is not cached, as in API Gateway
    authorizerCache.set(key, { result, expires: Date.now() + cacheMs });
    return result;
  };
  const handlerFor = (route: Route) => {
    if (!handlers.has(route.id)) handlers.set(route.id, loadEntry<ProxyHandler>(route.entry));
    return handlers.get(route.id)!;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The gateway itself failed (not a handler): answer like API Gateway's 500, without internals.
      process.stderr.write(`local API gateway error: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!res.headersSent) sendGatewayError(res, 500);
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.accessLog) {
      const started = performance.now();
      const write = options.accessLog;
      res.once('finish', () =>
        write(`${new Date().toISOString().slice(11, 19)} ${req.method} ${url.pathname} ${res.statusCode} ${Math.round(performance.now() - started)} ms`),
      );
    }
    const extra = options.extraRoutes?.[url.pathname];
    if (extra && req.method === 'GET') return extra(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return sendGatewayError(res, 413);
      chunks.push(chunk as Buffer);
    }
    const bodyBuffer = Buffer.concat(chunks);

    // Paths are served at the API root like a custom domain mapping `/api/v1`, and under it.
    const apiPath = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') return sendPreflight(req, res);
    const { route, pathParameters } = matchRoute(compiled, method, apiPath);
    // API Gateway answers an unknown path or method alike (MISSING_AUTHENTICATION_TOKEN, mapped to 404).
    if (!route) return sendGatewayError(res, 404);

    const event = buildEvent(req, url, route, pathParameters, bodyBuffer);
    if (route.auth === 'jwt') {
      authorizer ??= loadEntry<AuthorizerHandler>('auth/authorize');
      const handler = await authorizer;
      const decision = await runAuthorizer((e, c) => cachedAuthorizer(handler, e, c), event, route);
      if (decision.kind === 'unauthorized') return sendGatewayError(res, 401, event.requestContext.requestId);
      if (decision.kind === 'denied') return sendGatewayError(res, 403, event.requestContext.requestId);
      event.requestContext.authorizer = { ...decision.context, principalId: decision.principalId };
    }
    const handler = await handlerFor(route);
    const result = await handler(event, fakeLambdaContext(route.entry, 29_000));
    sendResult(res, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function buildEvent(
  req: http.IncomingMessage,
  url: URL,
  route: Route,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEvent {
  // Maps, then Object.fromEntries: a client-chosen name such as `__proto__` becomes an own property, as it does when
  // Lambda JSON-parses API Gateway's event (plain `obj[name]` writes would hit Object.prototype instead).
  const headerMap = new Map<string, string>();
  const multiHeaderMap = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headerMap.set(name, value); // API Gateway keeps the last value in `headers`
    multiHeaderMap.set(name, [...(multiHeaderMap.get(name) ?? []), value]);
  }
  const queryMap = new Map<string, string>();
  const multiQueryMap = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    queryMap.set(name, value);
    multiQueryMap.set(name, [...(multiQueryMap.get(name) ?? []), value]);
  }
  const headers: Record<string, string> = Object.fromEntries(headerMap);
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(multiHeaderMap);
  const query: Record<string, string> = Object.fromEntries(queryMap);
  const multiValueQuery: Record<string, string[]> = Object.fromEntries(multiQueryMap);
  const contentType = String(req.headers['content-type'] ?? '');
  const isText = body.length === 0 || /^(application\/(.+\+)?json|text\/|application\/x-www-form-urlencoded)/i.test(contentType) || !contentType;
  const requestId = randomUUID();
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const resourcePath = `${route.path}`;
  return {
    resource: resourcePath,
    path: `${API_PREFIX}${url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname}`,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiValueQuery).length ? multiValueQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: API_ID,
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: route.method,
      identity: {
        sourceIp,
        userAgent: req.headers['user-agent'] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      path: `/${STAGE}${API_PREFIX}${route.path}`,
      stage: STAGE,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath,
    },
  };
}

type AuthorizerDecision =
  | { kind: 'allowed'; principalId: string; context: Record<string, string | number | boolean> }
  | { kind: 'denied' }
  | { kind: 'unauthorized' };

async function runAuthorizer(authorizer: AuthorizerHandler, event: APIGatewayProxyEvent, route: Route): Promise<AuthorizerDecision> {
  const methodArn = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}/${STAGE}/${route.method}${API_PREFIX}${route.path.replace(/\{[^}]+\}/g, (m) => event.pathParameters?.[m.slice(1, -1)] ?? '*')}`;
  const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers as Record<string, string>,
    multiValueHeaders: event.multiValueHeaders as Record<string, string[]>,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: null,
    requestContext: event.requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
  let result: APIGatewayAuthorizerResult;
  try {
    result = await authorizer(authorizerEvent, fakeLambdaContext('auth-authorize', 10_000));
  } catch {
    // API Gateway turns an authorizer's "Unauthorized" error into 401; any other failure into 500 — here 401 too,
    // since a broken token must never pass.
    return { kind: 'unauthorized' };
  }
  const allowed = policyAllows(result.policyDocument, methodArn);
  if (!allowed) return { kind: 'denied' };
  return { kind: 'allowed', principalId: result.principalId, context: (result.context ?? {}) as Record<string, string> };
}

function sendResult(res: http.ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

function sendGatewayError(res: http.ServerResponse, status: keyof typeof GATEWAY_PROBLEMS, requestId: string = randomUUID()): void {
  const headers = status === 401 ? { 'WWW-Authenticate': WWW_AUTHENTICATE } : undefined;
  sendResult(res, problemResponse({ status, ...GATEWAY_PROBLEMS[status], requestId }, { requestId, headers }));
}

function sendPreflight(req: http.IncomingMessage, res: http.ServerResponse): void {
  sendResult(res, preflightResponse({ headers: { origin: req.headers.origin } }));
}
