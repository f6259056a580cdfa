/**
 * What each function may touch. The route table and topology say which functions exist; this file decides, by
 * domain, which resources each one needs. The stacks turn every entry into exactly one grant plus the environment
 * variables that name the resource, so a function never gets a variable without the permission or the reverse.
 *
 * Keep it boring and explicit: a new domain gets a new line here, reviewed like any other permission change.
 */
import type { Route } from '../../functions/shared/routes';
import type { QueueDefinition, ScheduleDefinition } from '../../functions/shared/topology';

export interface FunctionAccess {
  /** State table (`STATE_TABLE_NAME`): rate-limit buckets, Abhi token/breaker/cache, jobs, replay ids. */
  readonly state?: 'read' | 'readWrite';
  /** Powertools idempotency table (`IDEMPOTENCY_TABLE_NAME`). */
  readonly idempotency?: boolean;
  /** Aurora through RDS Proxy with IAM authentication as the application user (`DATABASE_*`); runs in the VPC. */
  readonly database?: boolean;
  /**
   * Abhi Open API: `client` gets the credentials secret and the client settings (`ABHI_*`), `endpoint` only the base
   * URL (readiness probe: it must never log in, a login invalidates the fleet's token).
   */
  readonly abhi?: 'client' | 'endpoint';
  /** Application-level encryption key for account numbers and Emirates IDs (`DATA_KEY_SECRET_ID`). */
  readonly dataKey?: boolean;
  /** HMAC secret of Abhi's webhooks (`WEBHOOK_SECRET_ID`). */
  readonly webhookSecret?: boolean;
  /** Publishes domain events to the fan-out topic (`EVENT_TOPIC_ARN`). */
  readonly publishEvents?: boolean;
  /** Queues (topology names) it sends to (`QUEUE_URL_<NAME>`). */
  readonly sendTo?: readonly string[];
  /** Queues it only inspects (GetQueueAttributes, for the readiness probe) (`QUEUE_URL_<NAME>`). */
  readonly probeQueues?: readonly string[];
  /** Starts the advance workflow and answers its task tokens (`ADVANCE_STATE_MACHINE_ARN`), once it is attached. */
  readonly advanceWorkflow?: boolean;
  /**
   * Deliver notifications through SES (e-mail, verified identity from context `sesFromAddress`) and SNS (SMS, context
   * `smsEnabled`); each only where the stage configures it, else messages are recorded (issue #19).
   */
  readonly deliverNotifications?: boolean;
  /** OIDC verification settings (`OIDC_*`): the authorizer, and logout (it finds the provider's revocation endpoint). */
  readonly oidc?: boolean;
  /** How long deleted employees' personal data is kept before erasure (`PERSONAL_DATA_RETENTION_DAYS`, from the stage). */
  readonly personalDataRetention?: boolean;
  /**
   * The stage's identity directory for user provisioning (`USER_PROVISIONING` and its settings): Cognito's
   * `cognito-idp:Admin*` calls on the stack's user pool only, or Keycloak's URL and the provisioning client's secret.
   */
  readonly identityDirectory?: boolean;
}

/** Domains (the first segment of the entry) of API routes. */
const ROUTE_DOMAIN_ACCESS: Record<string, FunctionAccess> = {
  system: {},
  // Revocations live in the state table (the authorizer reads them).
  auth: { state: 'readWrite' },
  employees: { state: 'readWrite', database: true, abhi: 'client', dataKey: true, publishEvents: true },
  // Organization admins see their child organizations' jobs: the hierarchy lives in PostgreSQL.
  jobs: { state: 'read', database: true },
  transactions: { state: 'readWrite', database: true, abhi: 'client', publishEvents: true },
  organizations: { state: 'readWrite', database: true, abhi: 'client', dataKey: true, publishEvents: true },
  'master-data': { state: 'readWrite', abhi: 'client' },
  // The outstanding report reads Abhi's outstanding balances; statements come from the ledger.
  reports: { state: 'readWrite', database: true, abhi: 'client' },
  webhooks: { state: 'readWrite', database: true, webhookSecret: true, publishEvents: true },
  // Reports live in PostgreSQL; running one is the consumer's job.
  reconciliation: { database: true },
};

/** Per-entry additions on top of the domain line. */
const ROUTE_ENTRY_ACCESS: Record<string, FunctionAccess> = {
  'system/get-ready': { state: 'read', database: true, abhi: 'endpoint', probeQueues: ['notifications'] },
  'employees/bulk-import-employees': { sendTo: ['employee-import'] },
  'transactions/request-advance': { advanceWorkflow: true },
  // Approving a pending advance resumes the workflow waiting on its task token.
  'transactions/update-transaction-status': { advanceWorkflow: true },
  'reconciliation/start-reconciliation-run': { sendTo: ['reconciliation-requests'] },
  // Finds the provider's RFC 7009 revocation endpoint through the issuer's discovery document.
  'auth/logout': { oidc: true },
  // An organization admin revokes employees of their own tenant: the employee and the hierarchy are in PostgreSQL.
  'auth/create-revocation': { database: true },
};

/** Routes that need less than their domain's line: they read the local mirror or the ledger only (ADR 0024's per-domain wiring). */
const ROUTE_ENTRY_INSTEAD: Record<string, FunctionAccess> = {
  'employees/list-employees': { state: 'readWrite', database: true },
  'employees/search-employees': { state: 'readWrite', database: true },
  'organizations/list-organizations': { state: 'readWrite', database: true },
  'reports/get-statement': { state: 'readWrite', database: true },
  'transactions/list-transactions': { state: 'readWrite', database: true },
  'transactions/get-employee-transactions': { state: 'readWrite', database: true },
  'transactions/get-transaction': { state: 'readWrite', database: true },
};

const CONSUMER_ACCESS: Record<string, FunctionAccess> = {
  'employee-import': { state: 'readWrite', database: true, abhi: 'client', dataKey: true, publishEvents: true },
  'abhi-sync': { state: 'readWrite', database: true, abhi: 'client', dataKey: true, publishEvents: true, sendTo: ['abhi-sync'] },
  notifications: { state: 'readWrite', database: true, deliverNotifications: true },
  'cache-invalidation': { state: 'readWrite' },
  'balance-refresh': { state: 'readWrite', database: true, abhi: 'client' },
  // Runs reconciliation like the nightly schedule does (same grants, same reasons).
  'reconciliation-requests': { state: 'readWrite', database: true, abhi: 'client', publishEvents: true, advanceWorkflow: true },
  // Asks Abhi for an advance's status and records a change (ledger, outbox).
  'advance-status': { state: 'readWrite', database: true, abhi: 'client', publishEvents: true },
  // Reads the employee / organization row an event names; writes only to the identity provider.
  'user-provisioning': { database: true, identityDirectory: true },
};

const SCHEDULE_ACCESS: Record<string, FunctionAccess> = {
  'outbox-sweep': { database: true, publishEvents: true },
  'advance-status-poll': { database: true, sendTo: ['advance-status'] },
  'approval-reminders': { database: true, publishEvents: true },
  // Queues page 1 of each kind; the consumer reads Abhi and writes the mirror.
  'abhi-sync': { sendTo: ['abhi-sync'] },
  // Restarts the workflow of requests stuck before Abhi was called, and settles the ones Abhi did create.
  reconciliation: { state: 'readWrite', database: true, abhi: 'client', publishEvents: true, advanceWorkflow: true },
  // Erases deleted employees' personal data in PostgreSQL (with its audit rows); nothing at Abhi, no events.
  'personal-data-erasure': { database: true, personalDataRetention: true },
};

/**
 * Advance workflow tasks (functions/workflow): the ledger and the outbox. The three that call Abhi also get its client
 * (credentials secret, and the state table for its token, rate limit, breaker and cache); the others are wired
 * without it (#shared/wiring/workflow).
 */
const WORKFLOW_TASK_ACCESS: FunctionAccess = { database: true, publishEvents: true };
const WORKFLOW_TASKS_CALLING_ABHI = new Set(['workflow/check-abhi-eligibility', 'workflow/check-balance', 'workflow/create-advance']);

export function workflowTaskAccess(entry: string): FunctionAccess {
  return WORKFLOW_TASKS_CALLING_ABHI.has(entry) ? merge(WORKFLOW_TASK_ACCESS, { state: 'readWrite', abhi: 'client' }) : WORKFLOW_TASK_ACCESS;
}

export const AUTHORIZER_ENTRY = 'auth/authorize';
/** Cognito's pre-token-generation trigger (identityProvider=cognito only): reads the event, touches nothing. */
export const COGNITO_PRE_TOKEN_ENTRY = 'auth/cognito-pre-token';
/** Applies the SQL migrations from the deployment (a CDK trigger runs it after every change to its code). */
export const MIGRATIONS_ENTRY = 'system/run-migrations';

export const AUTHORIZER_ACCESS: FunctionAccess = { state: 'read', oidc: true };

export function routeAccess(route: Route): FunctionAccess {
  const domain = route.entry.split('/')[0] ?? '';
  const base = ROUTE_ENTRY_INSTEAD[route.entry] ?? ROUTE_DOMAIN_ACCESS[domain];
  if (!base) {
    throw new Error(`Route ${route.id} is in domain "${domain}", which infra/config/function-access.ts does not know: add a line that says what it may access.`);
  }
  const access = merge(base, ROUTE_ENTRY_ACCESS[route.entry] ?? {});
  // Rate limiting keeps its buckets in the state table; idempotent routes keep their records in the idempotency table.
  return merge(access, {
    state: route.rateLimitClass !== 'none' ? 'readWrite' : access.state,
    idempotency: route.idempotency !== 'none' || access.idempotency,
  });
}

export function consumerAccess(queue: QueueDefinition): FunctionAccess {
  const access = CONSUMER_ACCESS[queue.name];
  if (!access) {
    throw new Error(`Queue ${queue.name} has no access line in infra/config/function-access.ts: add one that says what its consumer may access.`);
  }
  return access;
}

export function scheduleAccess(schedule: ScheduleDefinition): FunctionAccess {
  const access = SCHEDULE_ACCESS[schedule.name];
  if (!access) {
    throw new Error(`Schedule ${schedule.name} has no access line in infra/config/function-access.ts: add one that says what it may access.`);
  }
  return access;
}

function merge(a: FunctionAccess, b: FunctionAccess): FunctionAccess {
  const state = a.state === 'readWrite' || b.state === 'readWrite' ? 'readWrite' : (a.state ?? b.state);
  const abhi = a.abhi === 'client' || b.abhi === 'client' ? 'client' : (a.abhi ?? b.abhi);
  const sendTo = [...new Set([...(a.sendTo ?? []), ...(b.sendTo ?? [])])];
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    state,
    abhi,
    sendTo,
  };
}
