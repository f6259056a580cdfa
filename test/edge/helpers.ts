import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { API_PREFIX, type Route } from '#shared/routes';
import { fakeLambdaContext } from '../../infra/local/lambda-context';
import { startLocalIssuer, type LocalIssuer } from '../../infra/local/issuer';

export const API_ID = 'edgeapi';
export const STAGE = 'test';
export const ARN_BASE = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}/${STAGE}`;

/** A local issuer on a free port with a temporary key directory; sets the OIDC_* environment the functions read. */
export async function startTestIssuer(): Promise<LocalIssuer & { dir: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-issuer-'));
  const issuer = await startLocalIssuer({ port: 0, dir });
  process.env.OIDC_ISSUER = issuer.issuer;
  process.env.OIDC_AUDIENCE = issuer.audience;
  process.env.OIDC_JWKS_URL = issuer.jwksUrl;
  return {
    ...issuer,
    mint: issuer.mint,
    stop: issuer.stop,
    dir,
    async close() {
      await issuer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `/employees/{id}` → `/employees/<uuid>`. */
export function concretePath(route: Pick<Route, 'path'>, value = randomUUID()): string {
  return route.path.replace(/\{[^}]+\}/g, value);
}

export function methodArnFor(route: Pick<Route, 'method' | 'path'>, prefix = API_PREFIX): string {
  return `${ARN_BASE}/${route.method}${prefix}${concretePath(route)}`;
}

export function authorizerEvent(route: Pick<Route, 'method' | 'path'>, token: string | undefined, prefix = API_PREFIX): APIGatewayRequestAuthorizerEvent {
  const methodArn = methodArnFor(route, prefix);
  return {
    type: 'REQUEST',
    methodArn,
    resource: route.path,
    path: `${prefix}${concretePath(route)}`,
    httpMethod: route.method,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: randomUUID(), identity: { sourceIp: '198.51.100.7' } } as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

export interface EventOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  /** Authorizer context as API Gateway passes it (strings). */
  authorizer?: Record<string, string> | null;
  sourceIp?: string;
  isBase64Encoded?: boolean;
}

export function proxyEvent(route: Pick<Route, 'method' | 'path'>, options: EventOptions = {}): APIGatewayProxyEvent {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | null = options.rawBody ?? null;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const params = options.params ?? Object.fromEntries([...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => [m[1]!, randomUUID()]));
  const path = `${API_PREFIX}${route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => params[name] ?? 'x')}`;
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers,
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(params).length ? params : null,
    stageVariables: null,
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: API_ID,
      authorizer: options.authorizer ?? null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: { sourceIp: options.sourceIp ?? `203.0.113.${Math.floor(Math.random() * 250) + 1}` },
      path: `/${STAGE}${path}`,
      stage: STAGE,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: route.path,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** The authorizer context for a principal, as API Gateway forwards it. */
export function authorizerContext(p: { subject?: string; roles: string[]; org?: string; employee?: string; mfa?: boolean; tokenId?: string }) {
  return {
    principalId: p.subject ?? `user-${randomUUID()}`,
    roles: p.roles.join(','),
    organizationId: p.org ?? '',
    employeeId: p.employee ?? '',
    mfa: p.mfa ? 'true' : 'false',
    tokenId: p.tokenId ?? '',
  };
}

export function lambdaContext(timeoutMs = 30_000): Context {
  return fakeLambdaContext('edge-test', timeoutMs);
}

export function json<T = any>(response: APIGatewayProxyResult): T {
  return (response.body ? JSON.parse(response.body) : undefined) as T;
}

export function header(response: APIGatewayProxyResult, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers ?? {})) if (key.toLowerCase() === wanted) return String(value);
  return undefined;
}

export const uniqueOrg = () => `org-${randomUUID()}`;
