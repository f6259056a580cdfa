import { createHash, randomUUID } from 'node:crypto';
import { signWebhook } from '#shared/use-cases/webhooks/abhi-webhook';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, ROLES, ROUTES, type Role, type Route } from '#shared/routes';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { masterDataIds, validEmployee } from '../business/helpers';
import { FINAL, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';

/**
 * Proof suite (issue #8), part 1: property-based fuzzing of EVERY route of the route table over real HTTP (local API
 * gateway → authorizer → real handlers → PostgreSQL, DynamoDB Local, fauxqs, Step Functions local, Abhi sandbox).
 *
 * Each route gets random path parameters (unicode, long, odd, percent-encoded or raw, valid-looking UUIDs and ids
 * that really exist), random query strings, odd Content-Types and Idempotency-Keys, random bodies (JSON values,
 * mutated valid bodies, wrong types, huge strings, deep nesting, invalid JSON, empty) and a token of a role the route
 * allows — sometimes none, a wrong role or garbage. Invariants, on every response:
 *  1. never 5xx;
 *  2. every 4xx is RFC 9457 `application/problem+json` with `type`, `title`, `status` (= the HTTP status), `code`,
 *     `detail` — and no stack trace;
 *  3. security headers on every answer (nosniff, no-store) and an X-Request-ID;
 *  4. a 4xx changes nothing: a digest of every table of the schema (content hash per table), the Abhi
 *     sandbox's records (GET /__sandbox/state), background jobs and webhook replay ids (DynamoDB state table) and the
 *     idempotency table is compared around each 4xx. A 2xx may change state legitimately: the platform is then let
 *     to settle (queues drained, workflows finished) and a new baseline is taken. After each route, queues are drained
 *     once more and the state compared again, so a 4xx cannot hide a delayed effect (e.g. a queued message).
 *     Documented exceptions: `audit_log` gains `denied` rows (refusals are audited by design; any other audit row is
 *     a change), and a repayment Abhi itself refuses answers 422 and keeps its attempt as a FAILED row.
 *
 * Scale with FUZZ_RUNS (requests per route, default 10; sequences get half as many runs), reproduce a failure with
 * FUZZ_SEED (fast-check prints the seed and counterexample path on failure; ids created at setup — the advance, the
 * job — differ between runs, everything generated is the same). FUZZ_SHRINK=1 shrinks counterexamples, FUZZ_STATS=1
 * prints the status codes seen per route, FUZZ_DEBUG=<route id regex> prints every request of those routes.
 *
 * Roles are fuzzed only loosely here (allowed / none / wrong / garbage): the route × role matrix is proven in
 * test/foundation/route-roles.test.ts and test/edge/rbac.test.ts, JWT attacks in test/edge/token-attacks.test.ts.
 */

const RUNS_PER_ROUTE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 10));
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const fcOptions = <T>(numRuns: number): fc.Parameters<T> => ({
  numRuns,
  ...(SEED !== undefined ? { seed: SEED } : {}),
  // Shrinking replays requests against a live, stateful system: slow and rarely clearer. FUZZ_SHRINK=1 turns it on.
  endOnFailure: process.env.FUZZ_SHRINK !== '1',
});

let api: WorkflowTestApi;
let webhookSecret = '';
let dynamo: DynamoDBDocumentClient;
const tokens = new Map<string, { role: Role; token: string }>();
const known = { employees: [] as string[], organizations: [] as string[], transactions: [] as string[], jobs: [] as string[] };
const templates: Partial<Record<string, () => Record<string, unknown>>> = {};

// ------------------------------------------------------------------------------------------------- state digest

/** Every table of the schema (read at setup, so new migrations are covered), but the audit log and migrations. */
let pgTables: string[] = [];
const NOT_BUSINESS_STATE = new Set(['audit_log', 'schema_migrations']);

type Digest = Record<string, string>;
const md5 = (value: unknown) => createHash('md5').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex');

async function pgDigest(): Promise<Digest> {
  const parts = pgTables.map((table) => {
    const where = table === 'repayments' ? `WHERE t.status <> 'FAILED'` : '';
    return `(SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM ${table} t ${where}) AS "pg.${table}"`;
  });
  parts.push(`(SELECT count(*)::text FROM repayments WHERE status = 'FAILED') AS "pg.repayments(FAILED)"`);
  parts.push(`(SELECT count(*)::text FROM audit_log WHERE outcome <> 'denied') AS "pg.audit_log(not denied)"`);
  const { rows } = await api.db.query<Digest>(`SELECT ${parts.join(', ')}`);
  return rows[0]!;
}

async function sandboxDigest(): Promise<Digest> {
  const response = await fetch(`${api.sandbox.url}/__sandbox/state`);
  const state = (await response.json()) as Record<string, any>;
  const records = state.records as Record<string, unknown>;
  return {
    'abhi.counts': ['employees', 'transactions', 'advances', 'repayments', 'organizations'].map((k) => `${k}=${state[k]}`).join(' '),
    ...Object.fromEntries(Object.entries(records).map(([name, value]) => [`abhi.${name}`, md5(value)])),
  };
}

async function scanAll(table: string, filter?: { expression: string; values: Record<string, unknown> }): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeValues: filter.values } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function dynamoDigest(): Promise<Digest> {
  const [state, idempotency] = await Promise.all([
    scanAll(api.platform.env.STATE_TABLE_NAME!, {
      expression: 'begins_with(pk, :job) OR begins_with(pk, :webhook)',
      values: { ':job': 'JOB#', ':webhook': 'WEBHOOK#' },
    }),
    scanAll(api.platform.env.IDEMPOTENCY_TABLE_NAME!),
  ]);
  const sorted = (items: Record<string, unknown>[]) => items.map((i) => JSON.stringify(i, Object.keys(i).sort())).sort();
  return {
    'dynamodb.jobs+webhooks': `${state.length}:${md5(sorted(state))}`,
    'dynamodb.idempotency': `${idempotency.length}:${md5(sorted(idempotency))}`,
  };
}

async function digest(): Promise<Digest> {
  const [pg, abhi, dynamodb] = await Promise.all([pgDigest(), sandboxDigest(), dynamoDigest()]);
  return { ...pg, ...abhi, ...dynamodb };
}

const changed = (before: Digest, after: Digest) =>
  Object.keys({ ...before, ...after }).filter((key) => before[key] !== after[key]).map((key) => `${key}: ${before[key]} → ${after[key]}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** After a 2xx: let queues, consumers and advance workflows finish, then take the state once it stops moving. */
async function settle(previous?: Digest): Promise<Digest> {
  await api.drainQueues(30_000);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { rows } = await api.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM advance_requests WHERE status NOT IN (${[...FINAL, 'PENDING_APPROVAL'].map((s) => `'${s}'`).join(', ')})`,
    );
    if (Number(rows[0]!.n) === 0) break;
    await sleep(100);
  }
  await api.drainQueues(30_000);
  let current = await digest();
  // Nothing moved (most reads): queues are empty and no workflow runs, so this is the settled state.
  if (previous && changed(previous, current).length === 0) return current;
  for (let i = 0; i < 50; i++) {
    await sleep(60);
    const next = await digest();
    if (changed(current, next).length === 0) return next;
    current = next;
  }
  throw new Error(`The platform did not settle: ${changed(current, await digest()).join('; ')}`);
}

/** Status codes seen per route (the run checks it really reached past validation, see the last test). */
const seen = new Map<string, Map<number, number>>();
const tally = (route: Route, status: number) => {
  const counts = seen.get(route.id) ?? new Map<number, number>();
  counts.set(status, (counts.get(status) ?? 0) + 1);
  seen.set(route.id, counts);
};

// The state every 4xx is compared against: refreshed after every non-4xx answer (see settle()).
let baseline: Digest;

// ------------------------------------------------------------------------------------------------- generators

interface FuzzInput {
  /** The route's method, or (rarely) one the path does not serve. */
  method: string;
  params: { value: string; raw: boolean }[];
  query: string;
  headers: Record<string, string>;
  auth: { kind: 'allowed' | 'none' | 'wrong-role' | 'garbage'; pick: number; garbage: string };
  body: { kind: string; text?: string };
  webhook: { sign: 'valid' | 'wrong-secret' | 'none' | 'bad-format'; skewSeconds: number; eventId: string };
}

const ODD_STRINGS = [
  '..', '.', '%', '%zz', '%00', '%2F', 'null', 'undefined', 'NaN', '0', '-1', '1e309', ' ', '\u0000', '\t', '😀',
  "' OR '1'='1", '"; DROP TABLE employees; --', '<script>alert(1)</script>', '${jndi:ldap://x/a}', '{{7*7}}',
  '../../etc/passwd', 'a/b', '__proto__', 'constructor', '\u202e', 'ﬀ', 'İ', '\ud800',
];

const asciiText = (maxLength: number) => fc.string({ maxLength });
const unicodeText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const anyText = (maxLength: number) => fc.oneof(asciiText(maxLength), unicodeText(maxLength), fc.string({ unit: 'binary', maxLength }));

/** Mostly ids that look right (real ones, UUIDs); often odd ones. */
const pathValue = (): fc.Arbitrary<{ value: string; raw: boolean }> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownIds()).map((value) => ({ value, raw: false })) },
    { weight: 2, arbitrary: fc.uuid().map((value) => ({ value, raw: false })) },
    { weight: 1, arbitrary: unicodeText(40).map((value) => ({ value, raw: false })) },
    { weight: 1, arbitrary: asciiText(40).map((value) => ({ value, raw: false })) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 2500 }).map((n) => ({ value: 'a'.repeat(n), raw: false })) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_STRINGS).map((value) => ({ value, raw: false })) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%00', '%2e%2e', 'a%2Fb').map((value) => ({ value, raw: true })) },
  );

function knownIds(): string[] {
  const all = [...known.employees, ...known.organizations, ...known.transactions, ...known.jobs];
  return all.length ? all : [randomUUID()];
}

const QUERY_KEYS = [
  'page', 'limit', 'search', 'q', 'status', 'type', 'month', 'year', 'department', 'organizationId', 'overdue', 'active',
  'itemStatus', 'startDate', 'endDate', 'employeeCode', 'country', '__proto__',
];
const queryValue = fc.oneof(
  anyText(60),
  fc.constantFrom('0', '-1', '1', '2', '20', '100', '101', '1e3', '0x10', ' 5 ', 'true', 'false', 'COMPLETED', 'advance', '2025-02-30', '2025-01-01', '%00', '\u0000', 'santos'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.integer({ min: 100, max: 400 }).map((n) => 'x'.repeat(n)),
);
/** The query a well-behaved client sends to each route (required parameters included). */
function saneQuery(route: Route): string {
  const now = new Date();
  const month = `month=${now.getUTCMonth() + 1}&year=${now.getUTCFullYear()}`;
  const sane: Record<string, string> = {
    getStatement: `?${month}`,
    getBalance: `?${month}`,
    searchEmployees: '?q=santos',
    listEmployees: '?page=1&limit=5',
    listTransactions: '?limit=5',
    getOutstandingReport: '?limit=5',
  };
  return sane[route.id] ?? '';
}

const queryArb = (route: Route): fc.Arbitrary<string> => fc.oneof(
  { weight: 6, arbitrary: fc.constant(saneQuery(route)) },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: anyText(20) }), queryValue), { maxLength: 4 })
      .map((pairs) => {
        if (!pairs.length) return '';
        const search = new URLSearchParams();
        for (const [key, value] of pairs) search.append(key.replace(/[\ud800-\udfff]/g, ''), value.replace(/[\ud800-\udfff]/g, ''));
        return `?${search.toString()}`;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?page', '?page=1&page=2', '?limit=%zz', '?%zz=1', '?a[b]=c', '?search=%00') },
);

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset="UTF-8"',
  'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/problem+json', 'application/vnd.api+json',
  'application/jsonp', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/octet-stream', 'application/xml', '*/*', 'json', ';', '',
];
const IDEMPOTENCY_KEYS = ['fuzz-key-0001', 'fuzz-key-0002', 'fuzz-key-0003'];
const oddIdempotencyKey = fc.oneof(
  fc.constantFrom(...IDEMPOTENCY_KEYS),
  fc.constantFrom('', 'short', 'k'.repeat(129), 'key with spaces and !!', '../../../../'),
  asciiText(200),
);

function headersArb(route: Route): fc.Arbitrary<Record<string, string>> {
  // A fresh key is what a well-behaved client sends; pool keys get reused across requests and routes on purpose.
  const idempotencyKey =
    route.idempotency === 'none'
      ? fc.option(oddIdempotencyKey, { freq: 3 })
      : fc.oneof({ weight: 6, arbitrary: fc.uuid() }, { weight: 4, arbitrary: fc.option(oddIdempotencyKey, { freq: 4 }) });
  return fc
    .record({
      contentType: fc.oneof({ weight: 7, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: asciiText(40) }),
      idempotencyKey,
      requestId: fc.option(asciiText(140), { freq: 2 }),
      origin: fc.option(fc.constantFrom('http://localhost:5173', 'https://evil.example', 'null'), { freq: 2 }),
      accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'), { freq: 2 }),
    })
    .map((h): Record<string, string> => ({
      'content-type': h.contentType,
      ...(h.idempotencyKey !== null ? { 'idempotency-key': String(h.idempotencyKey) } : {}),
      ...(h.requestId !== null ? { 'x-request-id': h.requestId } : {}),
      ...(h.origin !== null ? { origin: h.origin } : {}),
      ...(h.accept !== null ? { accept: h.accept } : {}),
    }));
}

/** A valid body of the route (when it has one), with 0-3 mutations: field removed, retyped, added, enormous. */
function mutatedTemplate(route: Route): fc.Arbitrary<{ kind: string; text?: string }> {
  const template = templates[route.id];
  if (!template) return fc.jsonValue().map((v) => ({ kind: 'json', text: JSON.stringify(v) }));
  const replacement = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    anyText(30),
    fc.constantFrom(null, true, 0, -1, 0.001, 1e21, Number.MAX_SAFE_INTEGER, '', ' ', '\u0000', [], {}, '784-1990-1234567-6', 'AE070331234567890123456', randomUUID()),
    fc.integer({ min: 1000, max: 300_000 }).map((n) => 'y'.repeat(n)),
  );
  return fc
    .oneof(
      { weight: 2, arbitrary: fc.constant([] as ['delete' | 'set' | 'add', number, unknown, string][]) },
      { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom('delete' as const, 'set' as const, 'add' as const), fc.nat(), replacement, anyText(12)), { minLength: 1, maxLength: 3 }) },
    )
    .map((ops) => {
      const body = template();
      const keys = Object.keys(body);
      for (const [op, index, value, newKey] of ops) {
        const key = keys[index % keys.length]!;
        if (op === 'delete') delete body[key];
        else if (op === 'set') body[key] = value;
        else body[newKey || '__proto__'] = value;
      }
      return { kind: `template(${ops.map((o) => o[0]).join(',') || 'valid'})`, text: JSON.stringify(body) };
    });
}

function bodyArb(route: Route, method: string): fc.Arbitrary<{ kind: string; text?: string }> {
  if (method === 'GET') return fc.constant({ kind: 'none' }); // fetch cannot send a GET body
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' }) },
    { weight: 8, arbitrary: mutatedTemplate(route) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => ({ kind: 'json', text: JSON.stringify(v) })) },
    { weight: 1, arbitrary: fc.constantFrom('null', 'true', '0', '-1', '"x"', '[]', '{}', '[{}]', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}').map((text) => ({ kind: 'scalar', text })) },
    { weight: 2, arbitrary: anyText(200).map((text) => ({ kind: 'invalid-json?', text })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}').map((text) => ({ kind: 'broken-json', text })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([depth, arrays]) => ({
        kind: `deep(${depth})`,
        text: arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 200_000, max: 600_000 }).map((n) => ({ kind: `huge(${n})`, text: JSON.stringify({ name: 'z'.repeat(n) }) })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n\t ', '\u0000').map((text) => ({ kind: 'empty', text })) },
  );
}

function requestArb(route: Route): fc.Arbitrary<FuzzInput> {
  const paramCount = (route.path.match(/\{[^}]+\}/g) ?? []).length;
  return fc
    .oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('PATCH', 'GET', 'DELETE', 'PUT', 'POST') })
    .chain((method) =>
      fc.record({
        method: fc.constant(method),
        params: fc.array(pathValue(), { minLength: paramCount, maxLength: paramCount }),
        query: queryArb(route),
        headers: headersArb(route),
        auth: fc.record({
          kind: fc.oneof({ weight: 8, arbitrary: fc.constant('allowed' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'wrong-role' as const, 'garbage' as const) }),
          pick: fc.nat(),
          garbage: fc.oneof(asciiText(80), fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer null', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')),
        }),
        body: bodyArb(route, method),
        webhook: fc.record({
          sign: fc.oneof({ weight: 3, arbitrary: fc.constant('valid' as const) }, { weight: 2, arbitrary: fc.constantFrom('wrong-secret' as const, 'none' as const, 'bad-format' as const) }),
          skewSeconds: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) }),
          eventId: fc.oneof(fc.constantFrom('evt-fuzz-1', 'evt-fuzz-2'), fc.uuid(), asciiText(140)),
        }),
      }),
    );
}

// ------------------------------------------------------------------------------------------------- one request

const STACK_TRACE = /\n\s+at \S|\bat \S+ \(.*:\d+:\d+\)|node_modules|\.ts:\d+|(?:Type|Reference|Syntax|Range)Error:/;

function describeInput(route: Route, path: string, input: FuzzInput, response?: { status: number; body: unknown }): string {
  const clip = (s: string | undefined, n = 300) => (s === undefined ? 'undefined' : s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  return [
    `${route.id}: ${input.method} ${clip(path, 200)}`,
    `auth=${input.auth.kind} headers=${clip(JSON.stringify(input.headers), 200)} body[${input.body.kind}]=${clip(input.body.text, 200)}`,
    response ? `→ ${response.status} ${clip(typeof response.body === 'string' ? response.body : JSON.stringify(response.body), 600)}` : '',
  ].join('\n');
}

function tokenFor(route: Route, input: FuzzInput): string | undefined {
  const all = [...tokens.values()];
  const allowed = all.filter((t) => route.roles.includes(t.role));
  const wrong = all.filter((t) => !route.roles.includes(t.role));
  switch (input.auth.kind) {
    case 'none':
      return undefined;
    case 'allowed':
      return (allowed.length ? allowed : all)[input.auth.pick % (allowed.length || all.length)]!.token;
    case 'wrong-role':
      return wrong.length ? wrong[input.auth.pick % wrong.length]!.token : 'not.a.jwt';
    case 'garbage':
      return undefined;
  }
}

async function disposableCopy(token: string): Promise<string> {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return token; // not a JWT: nothing to revoke
  }
  return api.issuer.mint({ claims: { ...claims, jti: randomUUID() } });
}

async function exercise(route: Route, input: FuzzInput): Promise<void> {
  let i = 0;
  const concrete = route.path.replace(/\{[^}]+\}/g, () => {
    const p = input.params[i++]!;
    // encodeURIComponent refuses lone surrogates: those are sent as the replacement character a client would send.
    return p.raw ? p.value : encodeURIComponent(p.value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  });
  const path = `${API_PREFIX}${concrete}${input.query}`;
  const headers: Record<string, string> = { ...input.headers };
  let token = tokenFor(route, input);
  // Logging out revokes the token it is called with: it gets a copy (same claims, its own jti), so the shared
  // tokens of every role stay valid for the routes fuzzed after it.
  if (route.id === 'logout' && token) token = await disposableCopy(token);
  if (token) headers.authorization = `Bearer ${token}`;
  if (input.auth.kind === 'garbage') headers.authorization = input.auth.garbage;
  const rawBody = input.body.text;

  if (route.auth === 'webhook-hmac') {
    const timestamp = String(Math.floor(Date.now() / 1000) + input.webhook.skewSeconds);
    headers['x-abhi-timestamp'] = timestamp;
    headers['x-abhi-event-id'] = input.webhook.eventId;
    const signed = (secret: string) => signWebhook(secret, timestamp, input.webhook.eventId, rawBody ?? '');
    if (input.webhook.sign === 'valid') headers['x-abhi-signature'] = `sha256=${signed(webhookSecret)}`;
    if (input.webhook.sign === 'wrong-secret') headers['x-abhi-signature'] = `sha256=${signed('not-the-secret')}`;
    if (input.webhook.sign === 'bad-format') headers['x-abhi-signature'] = 'sha256=xyz';
  }

  const response = await api.request(input.method, path, { headers, ...(rawBody !== undefined ? { rawBody } : {}) });
  const context = describeInput(route, path, input, response);
  tally(route, response.status);
  if (process.env.FUZZ_DEBUG && new RegExp(process.env.FUZZ_DEBUG).test(route.id)) console.warn(`FUZZDEBUG ${context}`);

  // 1. Never 5xx.
  expect(response.status, context).toBeLessThan(500);
  // 3. Security headers and a request id on every answer.
  expect(response.headers.get('x-content-type-options'), context).toBe('nosniff');
  expect(response.headers.get('cache-control'), context).toBe('no-store');
  expect(response.headers.get('x-request-id'), context).toBeTruthy();
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');

  if (response.status >= 400) {
    expect(STACK_TRACE.test(text), `stack trace in an error body\n${context}`).toBe(false);
    // 2. RFC 9457 problem details.
    expect(response.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
    expect(response.body, context).toMatchObject({
      type: expect.stringMatching(/^https:\/\/\S+$/),
      title: expect.any(String),
      status: response.status,
      code: expect.stringMatching(/^[A-Z_]+$/),
      detail: expect.any(String),
    });
    expect((response.body as { title: string }).title.length, context).toBeGreaterThan(0);
    // 4. No state change.
    const after = await digest();
    let differences = changed(baseline, after);
    const abhiRefusedRepayment =
      route.id === 'createRepayment' && response.status === 422 && /^Abhi refused the repayment/.test((response.body as { detail: string }).detail);
    if (abhiRefusedRepayment) differences = differences.filter((d) => !d.startsWith('pg.repayments(FAILED)'));
    expect(differences, `a ${response.status} changed state\n${context}`).toEqual([]);
    baseline = after;
  } else {
    if (response.status !== 204 && response.status !== 304 && text.length > 0) {
      expect(response.headers.get('content-type'), context).toMatch(/^application\/json/);
    }
    baseline = await settle(baseline);
  }
}

// ------------------------------------------------------------------------------------------------- setup

beforeAll(async () => {
  api = await startWorkflowTestApi();
  pgTables = (
    await api.db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
  ).rows
    .map((r) => r.name)
    .filter((name) => !NOT_BUSINESS_STATE.has(name));
  expect(pgTables).toEqual(expect.arrayContaining(['organizations', 'employees', 'advance_requests', 'repayments', 'ledger_entries', 'outbox']));
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: api.platform.env.AWS_ENDPOINT_URL_DYNAMODB, ...LOCAL_AWS }));
  const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
  webhookSecret = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: api.platform.env.WEBHOOK_SECRET_ID }))).SecretString!).secret;
  secrets.destroy();

  const activeOrgs = api.seed.organizations.filter((o) => o.active && o.parentOrganizationId);
  const orgA = activeOrgs[0]!.id;
  const orgB = activeOrgs[1]!.id;
  const root = api.seed.organizations.find((o) => !o.parentOrganizationId)!.id;
  const empA = api.employees.find((e) => e.organizationId === orgA)!;
  const empB = api.employees.find((e) => e.organizationId === orgB)!;

  // Tokens: every role in organization A (employee: a real employee of A), plus an organization admin of the root, an
  // HR manager of B and a platform admin.
  for (const role of ROLES) {
    tokens.set(role, { role, token: await api.token({ role, ...(role === 'admin' ? {} : { org: orgA }), ...(role === 'employee' ? { employee: empA.id } : {}), subject: `fuzz-${role}` }) });
  }
  tokens.set('organization_admin@root', { role: 'organization_admin', token: await api.token({ role: 'organization_admin', org: root, subject: 'fuzz-root-admin' }) });
  tokens.set('hr_manager@B', { role: 'hr_manager', token: await api.token({ role: 'hr_manager', org: orgB, subject: 'fuzz-hr-b' }) });
  tokens.set('employee@B', { role: 'employee', token: await api.employeeToken(empB) });

  // Real ids, so requests reach past "not found": employees, organizations, one completed advance, one import job.
  const { bankId, businessTypeId } = await masterDataIds(api);
  known.employees.push(empA.id, empB.id, api.employees.find((e) => e.organizationId === orgA && e.id !== empA.id)!.id);
  known.organizations.push(orgA, orgB, root);
  const advance = await api.requestAdvance(tokens.get('employee')!.token, { employeeId: empA.id, amount: 25 });
  expect(advance.status).toBe(202);
  const done = await api.waitForStatus(advance.body.id, FINAL);
  expect(done.status).toBe('COMPLETED');
  known.transactions.push(done.id, done.abhiTransactionId);
  const job = await api.request('POST', '/api/v1/employees/bulk', {
    token: tokens.get('hr_manager')!.token,
    body: { employees: [{ firstName: 'only-invalid-row' }] },
  });
  expect(job.status).toBe(202);
  known.jobs.push(job.body.id);

  const today = new Date().toISOString();
  templates.createEmployee = () => validEmployee(bankId);
  templates.updateEmployee = () => ({ department: 'Operations', designation: 'Supervisor', netSalary: 9100 });
  templates.bulkImportEmployees = () => ({ employees: [validEmployee(bankId)] });
  templates.requestAdvance = () => ({ employeeId: empA.id, amount: 10, description: 'fuzz' });
  templates.validateAdvance = () => ({ employeeId: empA.id, amount: 10 });
  templates.createRepayment = () => ({ employeeId: empA.id, amount: 1, paymentMethod: 'payroll_deduction' });
  templates.updateTransactionStatus = () => ({ action: 'cancel', reason: 'fuzz' });
  templates.createOrganization = () => ({
    name: 'Fuzz Trading LLC',
    industry: 'Retail',
    businessTypeId,
    address: 'Office 1, Business Bay',
    city: 'Dubai',
    managementAlias: `fuzz_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    creditLimit: 10000,
  });
  templates.updateOrganization = () => ({ advancePolicy: { maxAdvancesPerMonth: 31 }, notificationSettings: { channels: { sms: false } } });
  templates.receiveAbhiWebhook = () => ({ type: 'transaction.status_changed', occurredAt: today, data: { transactionId: done.abhiTransactionId, status: 'completed' } });

  baseline = await settle();
});

afterAll(async () => {
  if (process.env.FUZZ_STATS) {
    for (const [id, counts] of seen) console.warn(`FUZZ ${id}: ${[...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  }
  dynamo?.destroy();
  await api?.stop();
});

// ------------------------------------------------------------------------------------------------- properties

describe('fuzzing every route of the route table', () => {
  it('the state digest is stable while nothing happens (the comparison below is meaningful)', async () => {
    const again = await digest();
    expect(changed(baseline, again)).toEqual([]);
    // And it does see a change: a real write moves it.
    const before = await digest();
    const response = await api.request('PUT', `/api/v1/organizations/${known.organizations[0]}`, {
      token: tokens.get('organization_admin')!.token,
      body: { advancePolicy: { maxAdvancesPerMonth: 30 } },
    });
    expect(response.status).toBe(200);
    baseline = await settle();
    expect(changed(before, baseline).some((d) => d.startsWith('pg.organizations'))).toBe(true);
  });

  it.each(ROUTES.map((route) => ({ ...route, label: `${route.method} ${route.path}` })))('$label ($id)', async (route) => {
    await fc.assert(fc.asyncProperty(requestArb(route), (input) => exercise(route, input)), fcOptions(RUNS_PER_ROUTE));
    // Anything a 4xx queued would surface now.
    await api.drainQueues(30_000);
    const after = await digest();
    expect(changed(baseline, after), `delayed state change after fuzzing ${route.id}`).toEqual([]);
  });

  it('random sequences across routes (shared Idempotency-Keys and event ids, so keys are reused across operations)', async () => {
    const step = fc.constantFrom(...ROUTES).chain((route) => requestArb(route).map((input) => [route, input] as const));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 8 }), async (steps) => {
        for (const [route, input] of steps) await exercise(route, input);
      }),
      fcOptions(Math.max(1, Math.ceil(RUNS_PER_ROUTE / 2))),
    );
    await api.drainQueues(30_000);
    expect(changed(baseline, await digest())).toEqual([]);
  });

  it('the run reached past the edge: successes and a spread of refusals were seen (not 400s only)', () => {
    const all = new Map<number, number>();
    for (const counts of seen.values()) for (const [status, n] of counts) all.set(status, (all.get(status) ?? 0) + n);
    const total = [...all.values()].reduce((a, b) => a + b, 0);
    expect(seen.size, 'every route was exercised').toBe(ROUTES.length);
    if (total < 150) return; // tiny FUZZ_RUNS: too few requests for a distribution
    expect([...all.keys()].some((s) => s < 300), JSON.stringify([...all])).toBe(true);
    expect([...all.keys()].filter((s) => s >= 400).length, JSON.stringify([...all])).toBeGreaterThanOrEqual(4);
  });
});
