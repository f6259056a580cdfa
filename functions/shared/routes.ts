/**
 * The route table: the single source of truth for the API.
 *
 * The CDK stack creates one API Gateway method and one Lambda function per row, the local API server serves the
 * same rows, the authorizer enforces `roles` (default deny: a route that lists no role is refused), the rate limiter
 * reads `rateLimitClass`, and the OpenAPI document is generated from it. Keep this file free of runtime imports:
 * the CDK app loads it too.
 */
export const ROLES = [
  'admin',
  'hr_manager',
  'finance_manager',
  'employee',
  'organization_admin',
  'service_account',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** How a caller proves who it is: a bearer JWT, an HMAC-signed webhook, or nothing (health probes, docs). */
export type AuthMode = 'jwt' | 'webhook-hmac' | 'public';

/** Rate-limit classes; their limits live in configuration (`RATE_LIMIT_*`). */
export type RateLimitClass = 'read' | 'write' | 'advance' | 'none';

/**
 * Idempotency: `required` refuses a request without an `Idempotency-Key` header (money-moving POSTs),
 * `optional` honours the header when present, `none` ignores it (reads).
 */
export type IdempotencyMode = 'required' | 'optional' | 'none';

export interface Route {
  /** Stable operation id: the OpenAPI operationId and the CDK construct id. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Path under the API base, with `{param}` placeholders as API Gateway writes them. */
  readonly path: string;
  /** Entry file of the handler, relative to `functions/`, without extension. */
  readonly entry: string;
  readonly auth: AuthMode;
  /** Roles allowed to call the route. Empty means nobody (default deny) unless `auth` is not `jwt`. */
  readonly roles: readonly Role[];
  readonly rateLimitClass: RateLimitClass;
  readonly idempotency: IdempotencyMode;
  /** Largest accepted body in bytes when it differs from the default (`MAX_BODY_BYTES`, 256 KiB). */
  readonly maxBodyBytes?: number;
  /** Function timeout when the route may hold the request open (Prefer: wait); below API Gateway's 29 s limit. */
  readonly timeoutSeconds?: number;
  readonly summary: string;
  readonly tag: 'System' | 'Employees' | 'Jobs' | 'Transactions' | 'Organizations' | 'Master data' | 'Reports' | 'Reconciliation' | 'Webhooks' | 'Identity';
}

export const API_PREFIX = '/api/v1';

const ALL: readonly Role[] = ROLES;
const EMPLOYEE_READERS: readonly Role[] = ['admin', 'hr_manager', 'organization_admin', 'auditor', 'service_account'];
const EMPLOYEE_WRITERS: readonly Role[] = ['admin', 'hr_manager', 'service_account'];
const FINANCE: readonly Role[] = ['admin', 'finance_manager'];
const TRANSACTION_READERS: readonly Role[] = ['admin', 'finance_manager', 'auditor', 'service_account'];
const ORG_MEMBERS: readonly Role[] = ['admin', 'organization_admin', 'hr_manager', 'finance_manager', 'auditor'];
const REPORT_READERS: readonly Role[] = ['admin', 'hr_manager', 'finance_manager', 'organization_admin', 'auditor'];

const read = { rateLimitClass: 'read', idempotency: 'none' } as const;
const write = { rateLimitClass: 'write', idempotency: 'optional' } as const;

export const ROUTES: readonly Route[] = [
  // System
  { id: 'getHealth', method: 'GET', path: '/health', entry: 'system/get-health', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'Liveness probe', tag: 'System' },
  { id: 'getReady', method: 'GET', path: '/ready', entry: 'system/get-ready', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'Readiness probe: every dependency answers', tag: 'System' },
  { id: 'getOpenApi', method: 'GET', path: '/openapi.json', entry: 'system/get-openapi', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'The OpenAPI 3.1 document of this API', tag: 'System' },

  // Employees
  { id: 'listEmployees', method: 'GET', path: '/employees', entry: 'employees/list-employees', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'List employees (page, limit, department, search, status)', tag: 'Employees' },
  { id: 'createEmployee', method: 'POST', path: '/employees', entry: 'employees/create-employee', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, summary: 'Create an employee at Abhi and in the local mirror', tag: 'Employees' },
  { id: 'searchEmployees', method: 'GET', path: '/employees/search', entry: 'employees/search-employees', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'Search employees by name, code or email', tag: 'Employees' },
  { id: 'bulkImportEmployees', method: 'POST', path: '/employees/bulk', entry: 'employees/bulk-import-employees', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, maxBodyBytes: 1024 * 1024, summary: 'Import up to 1,000 employees as a background job', tag: 'Employees' },
  { id: 'getEmployee', method: 'GET', path: '/employees/{id}', entry: 'employees/get-employee', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'Get one employee', tag: 'Employees' },
  { id: 'updateEmployee', method: 'PUT', path: '/employees/{id}', entry: 'employees/update-employee', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, summary: 'Update an employee', tag: 'Employees' },
  { id: 'deleteEmployee', method: 'DELETE', path: '/employees/{id}', entry: 'employees/delete-employee', auth: 'jwt', roles: ['admin', 'hr_manager'], ...write, summary: 'Deactivate and delete an employee', tag: 'Employees' },
  { id: 'getMyEmployeeProfile', method: 'GET', path: '/employee/me', entry: 'employees/get-my-profile', auth: 'jwt', roles: ['admin', 'hr_manager', 'finance_manager', 'employee', 'organization_admin'], ...read, summary: "The caller's own employee record", tag: 'Employees' },
  { id: 'getJob', method: 'GET', path: '/jobs/{id}', entry: 'jobs/get-job', auth: 'jwt', roles: ['admin', 'hr_manager', 'organization_admin', 'service_account'], ...read, summary: 'Status and per-item results of a background job', tag: 'Jobs' },

  // Transactions
  { id: 'requestAdvance', method: 'POST', path: '/transactions/advance', entry: 'transactions/request-advance', auth: 'jwt', roles: ['employee', 'admin'], rateLimitClass: 'advance', idempotency: 'required', timeoutSeconds: 28, summary: 'Request a salary advance (runs the advance workflow; Prefer: wait=N for the outcome)', tag: 'Transactions' },
  { id: 'createRepayment', method: 'POST', path: '/transactions/repayment', entry: 'transactions/create-repayment', auth: 'jwt', roles: FINANCE, rateLimitClass: 'write', idempotency: 'required', summary: 'Record a repayment against an employee or a transaction', tag: 'Transactions' },
  { id: 'validateAdvance', method: 'POST', path: '/transactions/validate', entry: 'transactions/validate-advance', auth: 'jwt', roles: ['employee', 'admin', 'finance_manager'], ...write, summary: 'Check whether an advance amount is allowed now', tag: 'Transactions' },
  { id: 'listTransactions', method: 'GET', path: '/transactions', entry: 'transactions/list-transactions', auth: 'jwt', roles: TRANSACTION_READERS, ...read, summary: "Employer view of the organization's transactions", tag: 'Transactions' },
  { id: 'getEmployeeTransactions', method: 'GET', path: '/transactions/employee/{employeeId}', entry: 'transactions/get-employee-transactions', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee'], ...read, summary: "An employee's transaction history", tag: 'Transactions' },
  { id: 'getBalance', method: 'GET', path: '/transactions/balance/{employeeId}', entry: 'transactions/get-balance', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee', 'hr_manager'], ...read, summary: 'Monthly balance, net of pending local requests', tag: 'Transactions' },
  { id: 'getTransaction', method: 'GET', path: '/transactions/{id}', entry: 'transactions/get-transaction', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee'], ...read, summary: 'One advance request or transaction with its history', tag: 'Transactions' },
  { id: 'updateTransactionStatus', method: 'PUT', path: '/transactions/{id}/status', entry: 'transactions/update-transaction-status', auth: 'jwt', roles: ['admin', 'finance_manager', 'employee'], ...write, summary: 'Approve, reject or cancel a pending advance request', tag: 'Transactions' },

  // Organizations and master data
  { id: 'listOrganizations', method: 'GET', path: '/organizations', entry: 'organizations/list-organizations', auth: 'jwt', roles: ['admin', 'organization_admin', 'auditor'], ...read, summary: 'List organizations visible to the caller', tag: 'Organizations' },
  { id: 'createOrganization', method: 'POST', path: '/organizations', entry: 'organizations/create-organization', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: 'Create a (child) organization at Abhi', tag: 'Organizations' },
  { id: 'listBusinessTypes', method: 'GET', path: '/organizations/business-types', entry: 'master-data/list-business-types', auth: 'jwt', roles: ALL, ...read, summary: 'Business types (master data, cached)', tag: 'Master data' },
  { id: 'listBanks', method: 'GET', path: '/organizations/banks', entry: 'master-data/list-banks', auth: 'jwt', roles: ALL, ...read, summary: 'Banks (master data, cached)', tag: 'Master data' },
  { id: 'getOrganization', method: 'GET', path: '/organizations/{id}', entry: 'organizations/get-organization', auth: 'jwt', roles: ORG_MEMBERS, ...read, summary: 'One organization with its local configuration', tag: 'Organizations' },
  { id: 'updateOrganization', method: 'PUT', path: '/organizations/{id}', entry: 'organizations/update-organization', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: "Change an organization's local configuration (advance policy, notifications)", tag: 'Organizations' },
  { id: 'getOrganizationStatistics', method: 'GET', path: '/organizations/{id}/statistics', entry: 'organizations/get-organization-statistics', auth: 'jwt', roles: ORG_MEMBERS, ...read, summary: 'Headcount and advance statistics of an organization', tag: 'Organizations' },

  // Reports
  { id: 'getOutstandingReport', method: 'GET', path: '/reports/outstanding', entry: 'reports/get-outstanding-report', auth: 'jwt', roles: REPORT_READERS, ...read, summary: 'Outstanding and overdue balances', tag: 'Reports' },
  { id: 'getStatement', method: 'GET', path: '/reports/statements/{employeeId}', entry: 'reports/get-statement', auth: 'jwt', roles: [...REPORT_READERS, 'employee'], ...read, summary: "An employee's monthly statement", tag: 'Reports' },

  // Reconciliation (platform operators and finance): reports span organizations, so admin only.
  { id: 'startReconciliationRun', method: 'POST', path: '/reconciliation/runs', entry: 'reconciliation/start-reconciliation-run', auth: 'jwt', roles: ['admin'], ...write, summary: 'Start a reconciliation run with Abhi for a period (background; one at a time)', tag: 'Reconciliation' },
  { id: 'listReconciliationReports', method: 'GET', path: '/reconciliation/reports', entry: 'reconciliation/list-reconciliation-reports', auth: 'jwt', roles: ['admin'], ...read, summary: 'Reconciliation reports, newest first (status filter)', tag: 'Reconciliation' },
  { id: 'getReconciliationReport', method: 'GET', path: '/reconciliation/reports/{id}', entry: 'reconciliation/get-reconciliation-report', auth: 'jwt', roles: ['admin'], ...read, summary: 'One reconciliation report with its fixed and mismatch findings', tag: 'Reconciliation' },

  // Identity: login and refresh stay at the identity provider (ADR 0015); these make the platform forget tokens.
  // Logout is the last jwt route: suites walking the table with one token per role revoke it there, not before.
  { id: 'revokeSessions', method: 'POST', path: '/auth/revocations', entry: 'auth/create-revocation', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: 'Revoke every token of a subject or an employee issued before now', tag: 'Identity' },
  { id: 'logout', method: 'POST', path: '/auth/logout', entry: 'auth/logout', auth: 'jwt', roles: ALL, ...write, summary: "Log out: revoke the caller's access token, and its refresh token at the identity provider", tag: 'Identity' },

  // Webhooks
  { id: 'receiveAbhiWebhook', method: 'POST', path: '/webhooks/abhi', entry: 'webhooks/receive-abhi-webhook', auth: 'webhook-hmac', roles: [], rateLimitClass: 'write', idempotency: 'none', summary: 'Status changes pushed by Abhi (HMAC-signed)', tag: 'Webhooks' },
];

/** Roles that act across organizations; every other principal is bound to its organization. */
export const PLATFORM_ROLES: readonly Role[] = ['admin'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
