import type { RouteId } from '#shared/routes';

/**
 * What each operation does, for integrators: the OpenAPI `description` of every route (a test requires one each).
 * Kept beside the document rather than in the route table, which every function bundles (ADR 0026).
 */
export const OPERATION_DESCRIPTIONS = {
  getHealth:
    'Answers 200 while the function runs; checks no dependency. For load balancers and uptime probes.',
  getReady:
    'Checks PostgreSQL, DynamoDB, SQS and the Abhi API and answers 200 when every one answers, 503 (same body) when one does not.',
  getOpenApi:
    'This document: every route with its request and response schemas, the roles allowed and the error answers.',
  getPostmanCollection:
    'A Postman collection (v2.1) generated from this OpenAPI document: import it into Postman, set `baseUrl` and a bearer token.',
  listEmployees:
    'The employees of the caller\'s organizations from the local mirror of Abhi, one page at a time in a stable order (last name, first name, id); filter by department, status or a search term.',
  createEmployee:
    'Creates the employee at Abhi first, then its row in the local mirror with an `employee.created` event. Bank account number and Emirates ID are stored encrypted and returned masked.',
  searchEmployees:
    'Finds employees whose name, employee code or e-mail contains the term, best matches first.',
  bulkImportEmployees:
    'Validates up to 1,000 rows at once and queues the valid ones for creation at Abhi as a background job; poll the job named in the answer for per-row results.',
  getEmployee:
    'One employee of the caller\'s organizations, with account number and Emirates ID masked.',
  updateEmployee:
    'Changes the employee at Abhi, then in the local mirror (`employee.updated`); fields not given keep their value.',
  deleteEmployee:
    'Revokes the employee\'s sessions, deletes the employee at Abhi, then marks the mirror row deleted (`employee.deleted`). Refused (409) while the employee has advance requests in progress.',
  getMyEmployeeProfile:
    'The employee record of the caller\'s token (its employee_id claim).',
  getJob:
    'Status of a background job (a bulk import) and one page of its per-item results, optionally only the failed or succeeded ones.',
  requestAdvance:
    'Records the request and starts the advance workflow (policy checks, approval when above the threshold, creation at Abhi exactly once). Answers 202 at once; with `Prefer: wait=N` waits up to N seconds and answers 201 with the outcome when the workflow finishes in time. Needs an Idempotency-Key.',
  createRepayment:
    'Records a repayment at Abhi against an employee or one advance, exactly once per Idempotency-Key and client reference (201; 200 when the reference was already recorded).',
  validateAdvance:
    'Runs the advance policy and Abhi\'s balance check for an amount without recording anything, and says whether it would be accepted now and why not.',
  listTransactions:
    'Advances and repayments of the caller\'s organizations, newest first, filtered by status, type, dates, employee code or department.',
  getEmployeeTransactions:
    'One employee\'s advances and repayments, newest first. An employee sees only their own.',
  getBalance:
    'The employee\'s monthly balance from Abhi (cached up to 30 s), net of advance requests recorded here but not yet created at Abhi.',
  getTransaction:
    'One advance request with its status history, or one repayment, by request id or Abhi transaction id.',
  updateTransactionStatus:
    'Approves or rejects a pending advance request (a finance manager or admin other than the requester) or cancels it (the requester); the workflow carries on from there.',
  listOrganizations:
    'Organizations the caller may see, ordered by name, filtered by a search term or active state.',
  createOrganization:
    'Creates a (child) organization at Abhi, which provisions its portal users, then records it locally with the default advance policy and notification settings.',
  listBusinessTypes:
    'Business types from Abhi\'s master data (cached), filtered by country, active state or a search term.',
  listBanks:
    'Banks from Abhi\'s master data (cached), filtered by country, active state or a search term; an employee\'s bankId comes from here.',
  getOrganization:
    'One organization with its local configuration: advance policy and notification settings.',
  updateOrganization:
    'Changes an organization\'s local configuration (advance policy, notification settings); fields not given keep their value.',
  getOrganizationStatistics:
    'Headcount and advance figures of an organization from the local system of record.',
  getOutstandingReport:
    'Outstanding and overdue advance balances per employee, most overdue first, flagging where Abhi and the local ledger disagree.',
  getStatement:
    'An employee\'s ledger entries for one calendar month (UAE time) with opening and closing balances.',
  startReconciliationRun:
    'Queues a reconciliation of the local ledger with Abhi for a period (at most one run at a time) and answers 202 with the report to poll.',
  listReconciliationReports:
    'Reconciliation reports without their findings, newest first, optionally of one status.',
  getReconciliationReport:
    'One reconciliation report with the drifts it fixed and the mismatches that need a person.',
  revokeSessions:
    'Refuses, within 5 seconds, every token of a subject or of an employee issued before now (a lost phone, a leaver).',
  logout:
    'Refuses the caller\'s access token until it expires, and revokes the refresh token at the identity provider when one is given and the provider supports it.',
  receiveAbhiWebhook:
    'Applies a transaction or repayment status change pushed by Abhi. Signed with HMAC-SHA256 over timestamp, event id and raw body; a forged or stale call is refused (401), a replay changes nothing.',
} as const satisfies Record<RouteId, string>;
