import * as z from '#shared/zod';
import { hasAtMostTwoDecimals } from '#shared/domain/money';
import { builtOnce } from '#shared/schemas/catalog';

/**
 * Wire shapes of the Abhi Open API (reference §3), field names exactly as the SDK's json tags. Responses are decoded
 * here at the boundary: identity fields are required, descriptive fields optional (Go tolerates missing fields, so
 * Abhi may omit them), types are checked (a wrong type is an `AbhiResponseFormatError` naming the endpoint).
 * Timestamps must be RFC 3339 or null/absent (the SDK's `time.Time` rule; `""` is malformed).
 *
 * Only what the transport uses on every call (the envelope, the error body, the login answer) is built at import: the
 * rest is built per resource group on first use (`builtOnce`, functions/shared/schemas/catalog.ts), so a function
 * pays zod's construction only for the groups it calls, not ~300 constructor calls at every cold start (issue #13).
 */

// ---------- building blocks (functions: nothing here is built at import) ----------

/** Optional on the wire: absent or null both decode to `undefined`. */
const opt = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.nullish(schema), z.transform((v) => (v ?? undefined) as z.output<T> | undefined));
const timestamp = () => opt(z.iso.datetime({ offset: true }));
const amount = () => z.number();
const optAmount = () => opt(z.number());
/** Go encodes an empty slice as null. */
const list = <T extends z.ZodMiniType>(item: T) => z.pipe(z.nullish(z.array(item)), z.transform((v) => (v ?? []) as z.output<T>[]));
const page = <T extends z.ZodMiniType>(item: T) => z.object({ total: z.int().check(z.nonnegative()), results: list(item) });

// Requests (validated client-side; nothing is sent when they fail).
const required = (what = 'is required') => z.string({ error: what }).check(z.trim(), z.minLength(1, what));
const ymd = () => z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));
const aed = () =>
  z
    .number({ error: 'must be a number (AED)' })
    .check(z.positive('must be greater than 0'), z.refine(hasAtMostTwoDecimals, 'must have at most 2 decimals (AED)'));
const uuid4 = () => z.uuidv4('must be a UUID v4');

// ---------- built at import: used by the transport and the fleet login ----------

export const EnvelopeSchema = z.object({ statusCode: z.optional(z.number()), message: z.optional(z.string()), data: z.unknown() });
export const ErrorBodySchema = z.object({ statusCode: z.optional(z.int()), message: z.optional(z.string()), details: z.optional(z.unknown()) });
/** The automatic login only needs `data.token` (a JWT string), like the SDK's AuthManager. */
export const LoginDataSchema = z.looseObject({ token: z.string().check(z.minLength(1)) });

// ---------- master data (resources/master-data.ts) ----------

function buildMasterDataSchemas() {
  const Bank = z.object({
    id: z.string(),
    name: z.string(),
    code: opt(z.string()),
    country: opt(z.string()),
    isActive: opt(z.boolean()),
    swiftCode: opt(z.string()),
    bankType: opt(z.string()),
  });
  const BusinessType = z.object({
    id: z.string(),
    name: z.string(),
    country: opt(z.string()),
    description: opt(z.string()),
    isActive: opt(z.boolean()),
  });
  return { Bank, BankList: page(Bank), BusinessType, BusinessTypeList: page(BusinessType) };
}
export function masterDataSchemas() {
  return builtOnce(buildMasterDataSchemas);
}

// ---------- employees (resources/employees.ts) ----------

function buildEmployeeSchemas() {
  const Employee = z.object({
    id: z.string(),
    employeeCode: z.string(),
    firstName: opt(z.string()),
    lastName: opt(z.string()),
    department: opt(z.string()),
    designation: opt(z.string()),
    phone: opt(z.string()),
    email: opt(z.string()),
    dob: opt(z.string()),
    dateOfJoining: opt(z.string()),
    accountTitle: opt(z.string()),
    accountNumber: opt(z.string()),
    /** A string on the wire (`"8000"`); a number is tolerated and normalised to its string form. */
    netSalary: opt(z.union([z.string(), z.pipe(z.number(), z.transform((n) => String(n)))])),
    emiratesId: opt(z.string()),
    gender: opt(z.string()),
    bankId: opt(z.string()),
    payrollStartDay: opt(z.int()),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    // Not in the SDK model but returned by the sandbox (and filterable on the real list endpoint):
    status: opt(z.string()),
    organizationId: opt(z.string()),
  });
  const EmployeeInput = z.object({
    id: z.optional(z.string()),
    employeeCode: required(),
    firstName: required(),
    lastName: required(),
    department: required(),
    designation: required(),
    phone: z.optional(z.string()),
    email: z.email('must be an email address'),
    dob: ymd(),
    dateOfJoining: ymd(),
    accountTitle: required(),
    accountNumber: required(),
    netSalary: z.string().check(z.regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 decimals, e.g. "8000"')),
    emiratesId: required(),
    gender: z.enum(['Male', 'Female', 'male', 'female']),
    bankId: uuid4(),
    payrollStartDay: z.int().check(z.minimum(1), z.maximum(31)),
  });
  return {
    Employee,
    EmployeeList: page(Employee),
    EmployeeInput,
    EmployeeUpdate: z.extend(EmployeeInput, { id: required('id is required for an update') }),
  };
}
export function employeeSchemas() {
  return builtOnce(buildEmployeeSchemas);
}

// ---------- transactions (resources/transactions.ts) ----------

function buildTransactionSchemas() {
  const Transaction = z.object({
    id: z.string(),
    employeeId: z.string(),
    amount: amount(),
    type: z.string(),
    status: opt(z.string()),
    description: opt(z.string()),
    requestedAt: timestamp(),
    processedAt: timestamp(),
    dueDate: opt(z.string()),
    repaymentAmount: optAmount(),
    interestRate: optAmount(),
    processingFee: optAmount(),
    transactionRef: opt(z.string()),
    bankTransactionId: opt(z.string()),
    reason: opt(z.string()),
  });
  const TransactionHistory = z.object({
    employeeId: opt(z.string()),
    totalCount: z.int().check(z.nonnegative()),
    transactions: list(Transaction),
  });
  const MonthlyBalance = z.object({
    employeeId: opt(z.string()),
    balance: z.object({
      /** A string on the wire (reference §2.4). */
      month: z.union([z.string(), z.pipe(z.number(), z.transform((n) => String(n)))]),
      year: z.int(),
      grossSalary: optAmount(),
      netSalary: optAmount(),
      availableAmount: amount(),
      usedAmount: optAmount(),
      pendingAmount: optAmount(),
      lastUpdated: opt(z.string()),
    }),
  });
  const FieldIssue = z.object({ field: z.string(), message: z.string(), value: opt(z.unknown()) });
  const TransactionValidation = z.object({
    isValid: z.boolean(),
    maxAmount: optAmount(),
    availableAmount: optAmount(),
    message: opt(z.string()),
    validationErrors: list(FieldIssue),
  });
  const TransactionStatus = z.object({
    transactionId: z.string(),
    status: z.string(),
    message: opt(z.string()),
    lastUpdated: opt(z.string()),
  });
  const EmployerTransaction = z.object({
    id: z.string(),
    employeeId: z.string(),
    employeeCode: opt(z.string()),
    employeeName: opt(z.string()),
    department: opt(z.string()),
    amount: amount(),
    type: z.string(),
    status: z.string(),
    requestedAt: opt(z.string()),
    processedAt: opt(z.string()),
    dueDate: opt(z.string()),
    repaymentAmount: optAmount(),
  });
  const ValidationQuestions = z.object({
    transactionId: z.string(),
    questions: list(
      z.object({
        id: z.string(),
        question: z.string(),
        type: z.string(),
        required: opt(z.boolean()),
        options: opt(z.array(z.string())),
      }),
    ),
  });
  const ValidationAnswersResult = z.object({
    transactionId: z.string(),
    isValid: z.boolean(),
    message: opt(z.string()),
  });
  const TransactionRequest = z.object({
    employeeId: required(),
    amount: aed(),
    type: z.enum(['advance', 'repayment']),
    description: z.optional(z.string().check(z.maxLength(500))),
    dueDate: z.optional(ymd()),
  });
  const TransactionValidationRequest = z.object({ employeeId: required(), amount: aed() });
  const ValidationQuestionsRequest = z.object({ transactionId: required() });
  const ValidationAnswersRequest = z.object({
    transactionId: required(),
    answers: z.array(z.object({ questionId: required(), answer: required() })).check(z.minLength(1)),
  });
  return {
    Transaction,
    TransactionHistory,
    MonthlyBalance,
    TransactionValidation,
    TransactionStatus,
    EmployerTransaction,
    EmployerTransactionList: page(EmployerTransaction),
    ValidationQuestions,
    ValidationAnswersResult,
    TransactionRequest,
    TransactionValidationRequest,
    ValidationQuestionsRequest,
    ValidationAnswersRequest,
  };
}
export function transactionSchemas() {
  return builtOnce(buildTransactionSchemas);
}

// ---------- organizations (resources/organizations.ts) ----------

function buildOrganizationSchemas() {
  const Organization = z.object({
    id: z.string(),
    deletedDate: timestamp(),
    name: z.string(),
    organizationNumber: opt(z.int()),
    industry: opt(z.string()),
    managementAlias: opt(z.string()),
    organizationType: opt(z.string()),
    active: opt(z.boolean()),
    creditLimit: optAmount(),
    address: opt(z.string()),
    city: opt(z.string()),
    phone: opt(z.string()),
    email: opt(z.string()),
    payrollStartDay: opt(z.int()),
    businessTypeId: opt(z.string()),
    businessType: opt(masterDataSchemas().BusinessType),
    parentOrganizationId: opt(z.string()),
    parentOrganizations: opt(z.object({ parentOrganizationId: opt(z.string()) })),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  });
  const OrganizationUser = z.object({ username: z.string(), password: z.string(), MFAsecret: opt(z.string()) });
  /** The payload inside the envelope: `{message, data:{users, organizationId}}` (reference §3.4, double nesting). */
  const CreateOrganizationResult = z.object({
    message: opt(z.string()),
    data: z.object({
      organizationId: z.string(),
      users: z.object({ admin: OrganizationUser, operator: OrganizationUser, support: opt(OrganizationUser) }),
    }),
  });
  const CreateOrganizationRequest = z.object({
    name: required(),
    industry: required(),
    businessTypeId: uuid4(),
    address: required(),
    city: required(),
    managementAlias: z.string().check(z.minLength(4), z.maxLength(100), z.regex(/^[^A-Z]*$/, 'must be lowercase')),
    creditLimit: aed(),
    phone: z.optional(z.string()),
    email: z.optional(z.email()),
    payrollStartDay: z.optional(z.int().check(z.minimum(1), z.maximum(31))),
  });
  return { Organization, OrganizationList: page(Organization), CreateOrganizationResult, CreateOrganizationRequest };
}
export function organizationSchemas() {
  return builtOnce(buildOrganizationSchemas);
}

// ---------- repayments (resources/repayments.ts) ----------

function buildRepaymentSchemas() {
  const Repayment = z.object({
    id: z.string(),
    amount: amount(),
    clientRepaymentReferenceNumber: z.string(),
    employeeId: opt(z.string()),
    transactionId: opt(z.string()),
    status: opt(z.string()),
    processedAt: timestamp(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    description: opt(z.string()),
    paymentMethod: opt(z.string()),
    bankTransactionId: opt(z.string()),
  });
  const OutstandingBalance = z.object({
    employeeId: z.string(),
    employeeCode: opt(z.string()),
    employeeName: opt(z.string()),
    totalOutstanding: amount(),
    principalAmount: optAmount(),
    interestAmount: optAmount(),
    penaltyAmount: optAmount(),
    processingFee: optAmount(),
    overdueAmount: optAmount(),
    daysPastDue: opt(z.int()),
    nextDueDate: opt(z.string()),
    lastPaymentDate: opt(z.string()),
    lastPaymentAmount: optAmount(),
    transactionHistory: list(
      z.object({
        id: z.string(),
        amount: amount(),
        type: z.string(),
        status: opt(z.string()),
        date: opt(z.string()),
        dueDate: opt(z.string()),
        remainingAmount: optAmount(),
        description: opt(z.string()),
      }),
    ),
  });
  const OutstandingBalanceList = z.object({
    total: z.int().check(z.nonnegative()),
    results: list(OutstandingBalance),
    summary: opt(
      z.object({
        totalEmployees: z.int(),
        totalOutstanding: amount(),
        totalOverdue: optAmount(),
        averageOutstanding: optAmount(),
        employeesWithOverdue: opt(z.int()),
      }),
    ),
  });
  const CreateRepaymentRequest = z
    .object({
      amount: aed(),
      clientRepaymentReferenceNumber: required(),
      employeeId: z.optional(z.string().check(z.minLength(1))),
      transactionId: z.optional(z.string().check(z.minLength(1))),
      description: z.optional(z.string()),
      paymentMethod: z.optional(z.string()),
    })
    .check(z.refine((r) => Boolean(r.employeeId || r.transactionId), { message: 'employeeId or transactionId is required', path: ['employeeId'] }));
  return {
    Repayment,
    RepaymentList: page(Repayment),
    RepaymentResponse: z.object({ repayment: Repayment, message: opt(z.string()), status: opt(z.string()) }),
    OutstandingBalance,
    OutstandingBalanceList,
    CreateRepaymentRequest,
  };
}
export function repaymentSchemas() {
  return builtOnce(buildRepaymentSchemas);
}

// ---------- auth (resources/auth.ts; the fleet login's LoginDataSchema is built at import, above) ----------

function buildAuthSchemas() {
  const AuthUser = z.object({
    id: z.string(),
    username: z.string(),
    email: opt(z.string()),
    firstName: opt(z.string()),
    lastName: opt(z.string()),
    role: opt(z.string()),
    organizationId: opt(z.string()),
    organizationName: opt(z.string()),
    permissions: opt(z.array(z.string())),
    isActive: opt(z.boolean()),
    lastLoginAt: opt(z.string()),
  });
  const AuthResponse = z.object({
    token: z.string().check(z.minLength(1)),
    tokenType: opt(z.string()),
    expiresIn: opt(z.number()),
    expiresAt: opt(z.string()),
    refreshToken: opt(z.string()),
    user: opt(AuthUser),
  });
  const MfaResponse = z.object({
    secret: opt(z.string()),
    qrCode: opt(z.string()),
    backupCodes: opt(z.array(z.string())),
    method: opt(z.string()),
    isEnabled: z.boolean(),
  });
  const SessionInfo = z.object({
    user: AuthUser,
    token: opt(z.string()),
    expiresAt: opt(z.string()),
    loginTime: opt(z.string()),
    lastActivity: opt(z.string()),
    ipAddress: opt(z.string()),
    userAgent: opt(z.string()),
  });
  return {
    AuthUser,
    AuthResponse,
    MfaResponse,
    SessionInfo,
    EmployeeLoginRequest: z.object({ username: required(), password: required(), emiratesId: required() }),
    EmployerLoginRequest: z.object({ username: required(), password: required() }),
    ThirdPartyLoginRequest: z.object({
      username: required(),
      password: required(),
      clientId: z.optional(z.string()),
      scope: z.optional(z.string()),
    }),
    RefreshTokenRequest: z.object({ refreshToken: required() }),
    ChangePasswordRequest: z
      .object({ currentPassword: required(), newPassword: z.string().check(z.minLength(8)), confirmPassword: required() })
      .check(z.refine((r) => r.newPassword === r.confirmPassword, { message: 'must equal newPassword', path: ['confirmPassword'] })),
    ResetPasswordRequest: z.object({ username: z.optional(z.string()), email: z.optional(z.string()), emiratesId: z.optional(z.string()) }),
    ResetPasswordConfirmRequest: z
      .object({ token: required(), newPassword: z.string().check(z.minLength(8)), confirmPassword: required() })
      .check(z.refine((r) => r.newPassword === r.confirmPassword, { message: 'must equal newPassword', path: ['confirmPassword'] })),
    MfaSetupRequest: z.object({ method: z.enum(['sms', 'email', 'totp']), phone: z.optional(z.string()), email: z.optional(z.string()) }),
    MfaVerificationRequest: z.object({ token: required(), code: required() }),
  };
}
export function authSchemas() {
  return builtOnce(buildAuthSchemas);
}

// ---------- decoded types (responses) and accepted inputs (requests) ----------

type MasterDataSchemas = ReturnType<typeof buildMasterDataSchemas>;
type EmployeeSchemas = ReturnType<typeof buildEmployeeSchemas>;
type TransactionSchemas = ReturnType<typeof buildTransactionSchemas>;
type OrganizationSchemas = ReturnType<typeof buildOrganizationSchemas>;
type RepaymentSchemas = ReturnType<typeof buildRepaymentSchemas>;
type AuthSchemas = ReturnType<typeof buildAuthSchemas>;

export type Bank = z.output<MasterDataSchemas['Bank']>;
export type BankList = z.output<MasterDataSchemas['BankList']>;
export type BusinessType = z.output<MasterDataSchemas['BusinessType']>;
export type BusinessTypeList = z.output<MasterDataSchemas['BusinessTypeList']>;
export type Employee = z.output<EmployeeSchemas['Employee']>;
export type EmployeeList = z.output<EmployeeSchemas['EmployeeList']>;
export type Transaction = z.output<TransactionSchemas['Transaction']>;
export type TransactionHistory = z.output<TransactionSchemas['TransactionHistory']>;
export type MonthlyBalance = z.output<TransactionSchemas['MonthlyBalance']>;
export type TransactionValidation = z.output<TransactionSchemas['TransactionValidation']>;
export type TransactionStatus = z.output<TransactionSchemas['TransactionStatus']>;
export type EmployerTransaction = z.output<TransactionSchemas['EmployerTransaction']>;
export type EmployerTransactionList = z.output<TransactionSchemas['EmployerTransactionList']>;
export type ValidationQuestions = z.output<TransactionSchemas['ValidationQuestions']>;
export type ValidationAnswersResult = z.output<TransactionSchemas['ValidationAnswersResult']>;
export type Organization = z.output<OrganizationSchemas['Organization']>;
export type OrganizationList = z.output<OrganizationSchemas['OrganizationList']>;
export type CreateOrganizationResult = z.output<OrganizationSchemas['CreateOrganizationResult']>;
export type Repayment = z.output<RepaymentSchemas['Repayment']>;
export type RepaymentList = z.output<RepaymentSchemas['RepaymentList']>;
export type RepaymentResponse = z.output<RepaymentSchemas['RepaymentResponse']>;
export type OutstandingBalance = z.output<RepaymentSchemas['OutstandingBalance']>;
export type OutstandingBalanceList = z.output<RepaymentSchemas['OutstandingBalanceList']>;
export type AuthUser = z.output<AuthSchemas['AuthUser']>;
export type AuthResponse = z.output<AuthSchemas['AuthResponse']>;
export type MfaResponse = z.output<AuthSchemas['MfaResponse']>;
export type SessionInfo = z.output<AuthSchemas['SessionInfo']>;

export type EmployeeInput = z.input<EmployeeSchemas['EmployeeInput']>;
export type EmployeeUpdate = z.input<EmployeeSchemas['EmployeeUpdate']>;
export type TransactionRequest = z.input<TransactionSchemas['TransactionRequest']>;
export type TransactionValidationRequest = z.input<TransactionSchemas['TransactionValidationRequest']>;
export type ValidationAnswersRequest = z.input<TransactionSchemas['ValidationAnswersRequest']>;
export type CreateOrganizationRequest = z.input<OrganizationSchemas['CreateOrganizationRequest']>;
export type CreateRepaymentRequest = z.input<RepaymentSchemas['CreateRepaymentRequest']>;
export type EmployeeLoginRequest = z.input<AuthSchemas['EmployeeLoginRequest']>;
export type EmployerLoginRequest = z.input<AuthSchemas['EmployerLoginRequest']>;
export type ThirdPartyLoginRequest = z.input<AuthSchemas['ThirdPartyLoginRequest']>;
export type RefreshTokenRequest = z.input<AuthSchemas['RefreshTokenRequest']>;
export type ChangePasswordRequest = z.input<AuthSchemas['ChangePasswordRequest']>;
export type ResetPasswordRequest = z.input<AuthSchemas['ResetPasswordRequest']>;
export type ResetPasswordConfirmRequest = z.input<AuthSchemas['ResetPasswordConfirmRequest']>;
export type MfaSetupRequest = z.input<AuthSchemas['MfaSetupRequest']>;
export type MfaVerificationRequest = z.input<AuthSchemas['MfaVerificationRequest']>;

// ---------- list options (query strings) ----------

export interface PageOptions {
  /** 1-based; sent only when > 0. */
  page?: number;
  /** Sent only when > 0. */
  limit?: number;
}
export interface EmployeeListOptions extends PageOptions {
  search?: string;
  department?: string;
  status?: string;
}
export interface TransactionHistoryOptions extends PageOptions {
  status?: string;
  type?: 'advance' | 'repayment';
  /** YYYY-MM-DD */
  startDate?: string;
  endDate?: string;
}
export interface EmployerTransactionListOptions extends TransactionHistoryOptions {
  employeeCode?: string;
  department?: string;
}
export interface OrganizationListOptions extends PageOptions {
  from?: string;
  to?: string;
  showInactive?: boolean;
  column?: 'organizations.createdAt' | 'organizations.name';
  order?: 'ASC' | 'DESC';
}
export interface RepaymentListOptions extends PageOptions {
  employeeId?: string;
  status?: string;
  startDate?: string;
  endDate?: string;
  clientRepaymentReferenceNumber?: string;
  minAmount?: number;
  maxAmount?: number;
}
export interface OutstandingBalanceOptions extends PageOptions {
  employeeId?: string;
  employeeCode?: string;
  department?: string;
  minAmount?: number;
  maxAmount?: number;
  overdue?: boolean;
}
export interface MasterDataListOptions extends PageOptions {
  country?: string;
  active?: boolean;
}
