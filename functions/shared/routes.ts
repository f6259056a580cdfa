/**
 * The route table: the single source of truth for the API.
 *
 * The CDK stack creates one API Gateway method and one Lambda function per row, the local API server serves the
 * same rows, the authorizer enforces `roles` (default deny: a route that lists no role is refused), the rate limiter
 * reads `rateLimitClass`, and the OpenAPI document is generated from it. Each row names its request and response
 * schemas; the handler validates with exactly those and the document shows exactly those (ADR 0026). Keep this file
 * free of runtime imports (schemas are named, not imported): the CDK app and the authorizer load it, and every
 * function would otherwise bundle every domain's schemas.
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
  /**
   * Names of the schemas the handler validates the request with (body, query string, path parameters), and of the
   * answers by status. A name is a key of a domain's schema catalogue (functions/shared/schemas/, `named(...)`) and
   * the OpenAPI component name: `apiHandler` and the document both read them here (ADR 0026).
   */
  readonly request?: RouteRequestSchemas;
  readonly responses: Readonly<Record<number, string>>;
  readonly tag: 'System' | 'Employees' | 'Jobs' | 'Transactions' | 'Organizations' | 'Master data' | 'Reports' | 'Reconciliation' | 'Webhooks' | 'Identity';
}

export interface RouteRequestSchemas {
  readonly body?: string;
  readonly query?: string;
  readonly params?: string;
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

// Built by a call esbuild may drop (`@__PURE__`): the spreads make a bare literal look side-effectful, so every bundle
// that imports a role name or API_PREFIX from here would carry the whole table (~11 KB) without using it.
const ROUTE_LIST = /* @__PURE__ */ (() => [
  // System
  { id: 'getHealth', method: 'GET', path: '/health', entry: 'system/get-health', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'Liveness probe', tag: 'System', responses: { 200: 'Health' } },
  { id: 'getReady', method: 'GET', path: '/ready', entry: 'system/get-ready', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'Readiness probe: every dependency answers', tag: 'System', responses: { 200: 'Readiness', 503: 'Readiness' } },
  { id: 'getOpenApi', method: 'GET', path: '/openapi.json', entry: 'system/get-openapi', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'The OpenAPI 3.1 document of this API', tag: 'System', responses: { 200: 'OpenApiDocument' } },
  { id: 'getPostmanCollection', method: 'GET', path: '/postman-collection.json', entry: 'system/get-postman-collection', auth: 'public', roles: [], rateLimitClass: 'none', idempotency: 'none', summary: 'A Postman collection generated from the OpenAPI document', tag: 'System', responses: { 200: 'PostmanCollection' } },

  // Employees
  { id: 'listEmployees', method: 'GET', path: '/employees', entry: 'employees/list-employees', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'List employees (page, limit, department, search, status)', tag: 'Employees', request: { query: 'ListEmployeesQuery' }, responses: { 200: 'EmployeePage' } },
  { id: 'createEmployee', method: 'POST', path: '/employees', entry: 'employees/create-employee', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, summary: 'Create an employee at Abhi and in the local mirror', tag: 'Employees', request: { body: 'CreateEmployeeRequest' }, responses: { 201: 'Employee' } },
  { id: 'searchEmployees', method: 'GET', path: '/employees/search', entry: 'employees/search-employees', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'Search employees by name, code or email', tag: 'Employees', request: { query: 'SearchEmployeesQuery' }, responses: { 200: 'EmployeeSearchResult' } },
  { id: 'bulkImportEmployees', method: 'POST', path: '/employees/bulk', entry: 'employees/bulk-import-employees', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, maxBodyBytes: 1024 * 1024, summary: 'Import up to 1,000 employees as a background job', tag: 'Employees', request: { body: 'BulkImportRequest' }, responses: { 202: 'BulkImportAccepted' } },
  { id: 'getEmployee', method: 'GET', path: '/employees/{id}', entry: 'employees/get-employee', auth: 'jwt', roles: EMPLOYEE_READERS, ...read, summary: 'Get one employee', tag: 'Employees', request: { params: 'EmployeePath' }, responses: { 200: 'Employee' } },
  { id: 'updateEmployee', method: 'PUT', path: '/employees/{id}', entry: 'employees/update-employee', auth: 'jwt', roles: EMPLOYEE_WRITERS, ...write, summary: 'Update an employee', tag: 'Employees', request: { params: 'EmployeePath', body: 'UpdateEmployeeRequest' }, responses: { 200: 'Employee' } },
  { id: 'deleteEmployee', method: 'DELETE', path: '/employees/{id}', entry: 'employees/delete-employee', auth: 'jwt', roles: ['admin', 'hr_manager'], ...write, summary: 'Deactivate and delete an employee', tag: 'Employees', request: { params: 'EmployeePath' }, responses: { 200: 'DeletedEmployee' } },
  { id: 'getMyEmployeeProfile', method: 'GET', path: '/employee/me', entry: 'employees/get-my-profile', auth: 'jwt', roles: ['admin', 'hr_manager', 'finance_manager', 'employee', 'organization_admin'], ...read, summary: "The caller's own employee record", tag: 'Employees', responses: { 200: 'Employee' } },
  { id: 'getJob', method: 'GET', path: '/jobs/{id}', entry: 'jobs/get-job', auth: 'jwt', roles: ['admin', 'hr_manager', 'organization_admin', 'service_account'], ...read, summary: 'Status and per-item results of a background job', tag: 'Jobs', request: { params: 'JobPath', query: 'GetJobQuery' }, responses: { 200: 'Job' } },

  // Transactions
  { id: 'requestAdvance', method: 'POST', path: '/transactions/advance', entry: 'transactions/request-advance', auth: 'jwt', roles: ['employee', 'admin'], rateLimitClass: 'advance', idempotency: 'required', timeoutSeconds: 28, summary: 'Request a salary advance (runs the advance workflow; Prefer: wait=N for the outcome)', tag: 'Transactions', request: { body: 'RequestAdvanceRequest' }, responses: { 201: 'Advance', 202: 'Advance' } },
  { id: 'createRepayment', method: 'POST', path: '/transactions/repayment', entry: 'transactions/create-repayment', auth: 'jwt', roles: FINANCE, rateLimitClass: 'write', idempotency: 'required', summary: 'Record a repayment against an employee or a transaction', tag: 'Transactions', request: { body: 'CreateRepaymentRequest' }, responses: { 201: 'Repayment', 200: 'Repayment' } },
  { id: 'validateAdvance', method: 'POST', path: '/transactions/validate', entry: 'transactions/validate-advance', auth: 'jwt', roles: ['employee', 'admin', 'finance_manager'], ...write, summary: 'Check whether an advance amount is allowed now', tag: 'Transactions', request: { body: 'ValidateAdvanceRequest' }, responses: { 200: 'AdvanceValidation' } },
  { id: 'listTransactions', method: 'GET', path: '/transactions', entry: 'transactions/list-transactions', auth: 'jwt', roles: TRANSACTION_READERS, ...read, summary: "Employer view of the organization's transactions", tag: 'Transactions', request: { query: 'ListTransactionsQuery' }, responses: { 200: 'TransactionPage' } },
  { id: 'getEmployeeTransactions', method: 'GET', path: '/transactions/employee/{employeeId}', entry: 'transactions/get-employee-transactions', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee'], ...read, summary: "An employee's transaction history", tag: 'Transactions', request: { params: 'EmployeeIdPath', query: 'EmployeeTransactionsQuery' }, responses: { 200: 'TransactionPage' } },
  { id: 'getBalance', method: 'GET', path: '/transactions/balance/{employeeId}', entry: 'transactions/get-balance', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee', 'hr_manager'], ...read, summary: 'Monthly balance, net of pending local requests', tag: 'Transactions', request: { params: 'EmployeeIdPath', query: 'BalanceQuery' }, responses: { 200: 'Balance' } },
  { id: 'getTransaction', method: 'GET', path: '/transactions/{id}', entry: 'transactions/get-transaction', auth: 'jwt', roles: [...TRANSACTION_READERS, 'employee'], ...read, summary: 'One advance request or transaction with its history', tag: 'Transactions', request: { params: 'TransactionPath' }, responses: { 200: 'Transaction' } },
  { id: 'updateTransactionStatus', method: 'PUT', path: '/transactions/{id}/status', entry: 'transactions/update-transaction-status', auth: 'jwt', roles: ['admin', 'finance_manager', 'employee'], ...write, summary: 'Approve, reject or cancel a pending advance request', tag: 'Transactions', request: { params: 'TransactionPath', body: 'UpdateTransactionStatusRequest' }, responses: { 200: 'Advance' } },

  // Organizations and master data
  { id: 'listOrganizations', method: 'GET', path: '/organizations', entry: 'organizations/list-organizations', auth: 'jwt', roles: ['admin', 'organization_admin', 'auditor'], ...read, summary: 'List organizations visible to the caller', tag: 'Organizations', request: { query: 'ListOrganizationsQuery' }, responses: { 200: 'OrganizationPage' } },
  { id: 'createOrganization', method: 'POST', path: '/organizations', entry: 'organizations/create-organization', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: 'Create a (child) organization at Abhi', tag: 'Organizations', request: { body: 'CreateOrganizationRequest' }, responses: { 201: 'CreatedOrganization' } },
  { id: 'listBusinessTypes', method: 'GET', path: '/organizations/business-types', entry: 'master-data/list-business-types', auth: 'jwt', roles: ALL, ...read, summary: 'Business types (master data, cached)', tag: 'Master data', request: { query: 'ListBusinessTypesQuery' }, responses: { 200: 'BusinessTypePage' } },
  { id: 'listBanks', method: 'GET', path: '/organizations/banks', entry: 'master-data/list-banks', auth: 'jwt', roles: ALL, ...read, summary: 'Banks (master data, cached)', tag: 'Master data', request: { query: 'ListBanksQuery' }, responses: { 200: 'BankPage' } },
  { id: 'getOrganization', method: 'GET', path: '/organizations/{id}', entry: 'organizations/get-organization', auth: 'jwt', roles: ORG_MEMBERS, ...read, summary: 'One organization with its local configuration', tag: 'Organizations', request: { params: 'OrganizationPath' }, responses: { 200: 'Organization' } },
  { id: 'updateOrganization', method: 'PUT', path: '/organizations/{id}', entry: 'organizations/update-organization', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: "Change an organization's local configuration (advance policy, notifications)", tag: 'Organizations', request: { params: 'OrganizationPath', body: 'UpdateOrganizationRequest' }, responses: { 200: 'Organization' } },
  { id: 'getOrganizationStatistics', method: 'GET', path: '/organizations/{id}/statistics', entry: 'organizations/get-organization-statistics', auth: 'jwt', roles: ORG_MEMBERS, ...read, summary: 'Headcount and advance statistics of an organization', tag: 'Organizations', request: { params: 'OrganizationPath' }, responses: { 200: 'OrganizationStatistics' } },

  // Reports
  { id: 'getOutstandingReport', method: 'GET', path: '/reports/outstanding', entry: 'reports/get-outstanding-report', auth: 'jwt', roles: REPORT_READERS, ...read, summary: 'Outstanding and overdue balances', tag: 'Reports', request: { query: 'OutstandingReportQuery' }, responses: { 200: 'OutstandingReport' } },
  { id: 'getStatement', method: 'GET', path: '/reports/statements/{employeeId}', entry: 'reports/get-statement', auth: 'jwt', roles: [...REPORT_READERS, 'employee'], ...read, summary: "An employee's monthly statement", tag: 'Reports', request: { params: 'StatementPath', query: 'StatementQuery' }, responses: { 200: 'Statement' } },

  // Reconciliation (platform operators and finance): reports span organizations, so admin only.
  { id: 'startReconciliationRun', method: 'POST', path: '/reconciliation/runs', entry: 'reconciliation/start-reconciliation-run', auth: 'jwt', roles: ['admin'], ...write, summary: 'Start a reconciliation run with Abhi for a period (background; one at a time)', tag: 'Reconciliation', request: { body: 'StartReconciliationRunRequest' }, responses: { 202: 'ReconciliationRunAccepted' } },
  { id: 'listReconciliationReports', method: 'GET', path: '/reconciliation/reports', entry: 'reconciliation/list-reconciliation-reports', auth: 'jwt', roles: ['admin'], ...read, summary: 'Reconciliation reports, newest first (status filter)', tag: 'Reconciliation', request: { query: 'ListReconciliationReportsQuery' }, responses: { 200: 'ReconciliationReportPage' } },
  { id: 'getReconciliationReport', method: 'GET', path: '/reconciliation/reports/{id}', entry: 'reconciliation/get-reconciliation-report', auth: 'jwt', roles: ['admin'], ...read, summary: 'One reconciliation report with its fixed and mismatch findings', tag: 'Reconciliation', request: { params: 'ReconciliationReportPath' }, responses: { 200: 'ReconciliationReport' } },

  // Identity: login and refresh stay at the identity provider (ADR 0015); these make the platform forget tokens.
  // Logout is the last jwt route: suites walking the table with one token per role revoke it there, not before.
  { id: 'revokeSessions', method: 'POST', path: '/auth/revocations', entry: 'auth/create-revocation', auth: 'jwt', roles: ['admin', 'organization_admin'], ...write, summary: 'Revoke every token of a subject or an employee issued before now', tag: 'Identity', request: { body: 'CreateRevocationRequest' }, responses: { 201: 'Revocation' } },
  { id: 'logout', method: 'POST', path: '/auth/logout', entry: 'auth/logout', auth: 'jwt', roles: ALL, ...write, summary: "Log out: revoke the caller's access token, and its refresh token at the identity provider", tag: 'Identity', request: { body: 'LogoutRequest' }, responses: { 200: 'Logout' } },

  // Webhooks
  { id: 'receiveAbhiWebhook', method: 'POST', path: '/webhooks/abhi', entry: 'webhooks/receive-abhi-webhook', auth: 'webhook-hmac', roles: [], rateLimitClass: 'write', idempotency: 'none', summary: 'Status changes pushed by Abhi (HMAC-signed)', tag: 'Webhooks', request: { body: 'AbhiWebhookEvent' }, responses: { 200: 'WebhookAck' } },
] as const satisfies readonly Route[])();

export const ROUTES: readonly Route[] = ROUTE_LIST;

/** Route ids, and the request schema names of one route as the table writes them (typing `apiHandler`). */
export type RouteId = (typeof ROUTE_LIST)[number]['id'];
export type RequestSchemasOf<Id extends RouteId> = Extract<(typeof ROUTE_LIST)[number], { id: Id }> extends { request: infer R } ? R : {};

/** Roles that act across organizations; every other principal is bound to its organization. */
export const PLATFORM_ROLES: readonly Role[] = ['admin'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
