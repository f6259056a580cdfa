import * as z from '#shared/zod';
import { hasAtMostTwoDecimals } from '#shared/domain/money';

/**
 * Wire shapes of the Abhi Open API (reference §3), field names exactly as the SDK's json tags. Responses are decoded
 * here at the boundary: identity fields are required, descriptive fields optional (Go tolerates missing fields, so
 * Abhi may omit them), types are checked (a wrong type is an `AbhiResponseFormatError` naming the endpoint).
 * Timestamps must be RFC 3339 or null/absent (the SDK's `time.Time` rule; `""` is malformed).
 */

// ---------- building blocks ----------

/** Optional on the wire: absent or null both decode to `undefined`. */
const opt = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.nullish(schema), z.transform((v) => (v ?? undefined) as z.output<T> | undefined));
const timestamp = opt(z.iso.datetime({ offset: true }));
const amount = z.number();
const optAmount = opt(z.number());
/** Go encodes an empty slice as null. */
const list = <T extends z.ZodMiniType>(item: T) => z.pipe(z.nullish(z.array(item)), z.transform((v) => (v ?? []) as z.output<T>[]));
const page = <T extends z.ZodMiniType>(item: T) => z.object({ total: z.int().check(z.nonnegative()), results: list(item) });

// ---------- master data ----------

export const BankSchema = z.object({
  id: z.string(),
  name: z.string(),
  code: opt(z.string()),
  country: opt(z.string()),
  isActive: opt(z.boolean()),
  swiftCode: opt(z.string()),
  bankType: opt(z.string()),
});
export const BankListSchema = page(BankSchema);

export const BusinessTypeSchema = z.object({
  id: z.string(),
  name: z.string(),
  country: opt(z.string()),
  description: opt(z.string()),
  isActive: opt(z.boolean()),
});
export const BusinessTypeListSchema = page(BusinessTypeSchema);

// ---------- employees ----------

export const EmployeeSchema = z.object({
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
  createdAt: timestamp,
  updatedAt: timestamp,
  // Not in the SDK model but returned by the sandbox (and filterable on the real list endpoint):
  status: opt(z.string()),
  organizationId: opt(z.string()),
});
export const EmployeeListSchema = page(EmployeeSchema);

// ---------- transactions ----------

export const TransactionSchema = z.object({
  id: z.string(),
  employeeId: z.string(),
  amount,
  type: z.string(),
  status: opt(z.string()),
  description: opt(z.string()),
  requestedAt: timestamp,
  processedAt: timestamp,
  dueDate: opt(z.string()),
  repaymentAmount: optAmount,
  interestRate: optAmount,
  processingFee: optAmount,
  transactionRef: opt(z.string()),
  bankTransactionId: opt(z.string()),
  reason: opt(z.string()),
});

export const TransactionHistorySchema = z.object({
  employeeId: opt(z.string()),
  totalCount: z.int().check(z.nonnegative()),
  transactions: list(TransactionSchema),
});

export const MonthlyBalanceSchema = z.object({
  employeeId: opt(z.string()),
  balance: z.object({
    /** A string on the wire (reference §2.4). */
    month: z.union([z.string(), z.pipe(z.number(), z.transform((n) => String(n)))]),
    year: z.int(),
    grossSalary: optAmount,
    netSalary: optAmount,
    availableAmount: amount,
    usedAmount: optAmount,
    pendingAmount: optAmount,
    lastUpdated: opt(z.string()),
  }),
});

const FieldIssueSchema = z.object({ field: z.string(), message: z.string(), value: opt(z.unknown()) });

export const TransactionValidationSchema = z.object({
  isValid: z.boolean(),
  maxAmount: optAmount,
  availableAmount: optAmount,
  message: opt(z.string()),
  validationErrors: list(FieldIssueSchema),
});

export const TransactionStatusSchema = z.object({
  transactionId: z.string(),
  status: z.string(),
  message: opt(z.string()),
  lastUpdated: opt(z.string()),
});

export const EmployerTransactionSchema = z.object({
  id: z.string(),
  employeeId: z.string(),
  employeeCode: opt(z.string()),
  employeeName: opt(z.string()),
  department: opt(z.string()),
  amount,
  type: z.string(),
  status: z.string(),
  requestedAt: opt(z.string()),
  processedAt: opt(z.string()),
  dueDate: opt(z.string()),
  repaymentAmount: optAmount,
});
export const EmployerTransactionListSchema = page(EmployerTransactionSchema);

export const ValidationQuestionsSchema = z.object({
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

export const ValidationAnswersResultSchema = z.object({
  transactionId: z.string(),
  isValid: z.boolean(),
  message: opt(z.string()),
});

// ---------- organizations ----------

export const OrganizationSchema = z.object({
  id: z.string(),
  deletedDate: timestamp,
  name: z.string(),
  organizationNumber: opt(z.int()),
  industry: opt(z.string()),
  managementAlias: opt(z.string()),
  organizationType: opt(z.string()),
  active: opt(z.boolean()),
  creditLimit: optAmount,
  address: opt(z.string()),
  city: opt(z.string()),
  phone: opt(z.string()),
  email: opt(z.string()),
  payrollStartDay: opt(z.int()),
  businessTypeId: opt(z.string()),
  businessType: opt(BusinessTypeSchema),
  parentOrganizationId: opt(z.string()),
  parentOrganizations: opt(z.object({ parentOrganizationId: opt(z.string()) })),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export const OrganizationListSchema = page(OrganizationSchema);

const OrganizationUserSchema = z.object({ username: z.string(), password: z.string(), MFAsecret: opt(z.string()) });
/** The payload inside the envelope: `{message, data:{users, organizationId}}` (reference §3.4, double nesting). */
export const CreateOrganizationResultSchema = z.object({
  message: opt(z.string()),
  data: z.object({
    organizationId: z.string(),
    users: z.object({ admin: OrganizationUserSchema, operator: OrganizationUserSchema, support: opt(OrganizationUserSchema) }),
  }),
});

// ---------- repayments ----------

export const RepaymentSchema = z.object({
  id: z.string(),
  amount,
  clientRepaymentReferenceNumber: z.string(),
  employeeId: opt(z.string()),
  transactionId: opt(z.string()),
  status: opt(z.string()),
  processedAt: timestamp,
  createdAt: timestamp,
  updatedAt: timestamp,
  description: opt(z.string()),
  paymentMethod: opt(z.string()),
  bankTransactionId: opt(z.string()),
});
export const RepaymentListSchema = page(RepaymentSchema);
export const RepaymentResponseSchema = z.object({ repayment: RepaymentSchema, message: opt(z.string()), status: opt(z.string()) });

export const OutstandingBalanceSchema = z.object({
  employeeId: z.string(),
  employeeCode: opt(z.string()),
  employeeName: opt(z.string()),
  totalOutstanding: amount,
  principalAmount: optAmount,
  interestAmount: optAmount,
  penaltyAmount: optAmount,
  processingFee: optAmount,
  overdueAmount: optAmount,
  daysPastDue: opt(z.int()),
  nextDueDate: opt(z.string()),
  lastPaymentDate: opt(z.string()),
  lastPaymentAmount: optAmount,
  transactionHistory: list(
    z.object({
      id: z.string(),
      amount,
      type: z.string(),
      status: opt(z.string()),
      date: opt(z.string()),
      dueDate: opt(z.string()),
      remainingAmount: optAmount,
      description: opt(z.string()),
    }),
  ),
});
export const OutstandingBalanceListSchema = z.object({
  total: z.int().check(z.nonnegative()),
  results: list(OutstandingBalanceSchema),
  summary: opt(
    z.object({
      totalEmployees: z.int(),
      totalOutstanding: amount,
      totalOverdue: optAmount,
      averageOutstanding: optAmount,
      employeesWithOverdue: opt(z.int()),
    }),
  ),
});

// ---------- auth ----------

export const AuthUserSchema = z.object({
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

export const AuthResponseSchema = z.object({
  token: z.string().check(z.minLength(1)),
  tokenType: opt(z.string()),
  expiresIn: opt(z.number()),
  expiresAt: opt(z.string()),
  refreshToken: opt(z.string()),
  user: opt(AuthUserSchema),
});

/** The automatic login only needs `data.token` (a JWT string), like the SDK's AuthManager. */
export const LoginDataSchema = z.looseObject({ token: z.string().check(z.minLength(1)) });

export const MfaResponseSchema = z.object({
  secret: opt(z.string()),
  qrCode: opt(z.string()),
  backupCodes: opt(z.array(z.string())),
  method: opt(z.string()),
  isEnabled: z.boolean(),
});

export const SessionInfoSchema = z.object({
  user: AuthUserSchema,
  token: opt(z.string()),
  expiresAt: opt(z.string()),
  loginTime: opt(z.string()),
  lastActivity: opt(z.string()),
  ipAddress: opt(z.string()),
  userAgent: opt(z.string()),
});

// ---------- envelope ----------

export const EnvelopeSchema = z.object({ statusCode: z.optional(z.number()), message: z.optional(z.string()), data: z.unknown() });
export const ErrorBodySchema = z.object({ statusCode: z.optional(z.int()), message: z.optional(z.string()), details: z.optional(z.unknown()) });

// ---------- decoded types ----------

export type Bank = z.output<typeof BankSchema>;
export type BankList = z.output<typeof BankListSchema>;
export type BusinessType = z.output<typeof BusinessTypeSchema>;
export type BusinessTypeList = z.output<typeof BusinessTypeListSchema>;
export type Employee = z.output<typeof EmployeeSchema>;
export type EmployeeList = z.output<typeof EmployeeListSchema>;
export type Transaction = z.output<typeof TransactionSchema>;
export type TransactionHistory = z.output<typeof TransactionHistorySchema>;
export type MonthlyBalance = z.output<typeof MonthlyBalanceSchema>;
export type TransactionValidation = z.output<typeof TransactionValidationSchema>;
export type TransactionStatus = z.output<typeof TransactionStatusSchema>;
export type EmployerTransaction = z.output<typeof EmployerTransactionSchema>;
export type EmployerTransactionList = z.output<typeof EmployerTransactionListSchema>;
export type ValidationQuestions = z.output<typeof ValidationQuestionsSchema>;
export type ValidationAnswersResult = z.output<typeof ValidationAnswersResultSchema>;
export type Organization = z.output<typeof OrganizationSchema>;
export type OrganizationList = z.output<typeof OrganizationListSchema>;
export type CreateOrganizationResult = z.output<typeof CreateOrganizationResultSchema>;
export type Repayment = z.output<typeof RepaymentSchema>;
export type RepaymentList = z.output<typeof RepaymentListSchema>;
export type RepaymentResponse = z.output<typeof RepaymentResponseSchema>;
export type OutstandingBalance = z.output<typeof OutstandingBalanceSchema>;
export type OutstandingBalanceList = z.output<typeof OutstandingBalanceListSchema>;
export type AuthUser = z.output<typeof AuthUserSchema>;
export type AuthResponse = z.output<typeof AuthResponseSchema>;
export type MfaResponse = z.output<typeof MfaResponseSchema>;
export type SessionInfo = z.output<typeof SessionInfoSchema>;

// ---------- requests (validated client-side; nothing is sent when they fail) ----------

const required = (what = 'is required') => z.string({ error: what }).check(z.trim(), z.minLength(1, what));
const ymd = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));
const aed = z
  .number({ error: 'must be a number (AED)' })
  .check(z.positive('must be greater than 0'), z.refine(hasAtMostTwoDecimals, 'must have at most 2 decimals (AED)'));
const uuid4 = z.uuidv4('must be a UUID v4');

export const EmployeeInputSchema = z.object({
  id: z.optional(z.string()),
  employeeCode: required(),
  firstName: required(),
  lastName: required(),
  department: required(),
  designation: required(),
  phone: z.optional(z.string()),
  email: z.email('must be an email address'),
  dob: ymd,
  dateOfJoining: ymd,
  accountTitle: required(),
  accountNumber: required(),
  netSalary: z.string().check(z.regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 decimals, e.g. "8000"')),
  emiratesId: required(),
  gender: z.enum(['Male', 'Female', 'male', 'female']),
  bankId: uuid4,
  payrollStartDay: z.int().check(z.minimum(1), z.maximum(31)),
});
export type EmployeeInput = z.input<typeof EmployeeInputSchema>;
export const EmployeeUpdateSchema = z.extend(EmployeeInputSchema, { id: required('id is required for an update') });
export type EmployeeUpdate = z.input<typeof EmployeeUpdateSchema>;

export const TransactionRequestSchema = z.object({
  employeeId: required(),
  amount: aed,
  type: z.enum(['advance', 'repayment']),
  description: z.optional(z.string().check(z.maxLength(500))),
  dueDate: z.optional(ymd),
});
export type TransactionRequest = z.input<typeof TransactionRequestSchema>;

export const TransactionValidationRequestSchema = z.object({ employeeId: required(), amount: aed });
export type TransactionValidationRequest = z.input<typeof TransactionValidationRequestSchema>;

export const ValidationQuestionsRequestSchema = z.object({ transactionId: required() });
export const ValidationAnswersRequestSchema = z.object({
  transactionId: required(),
  answers: z.array(z.object({ questionId: required(), answer: required() })).check(z.minLength(1)),
});
export type ValidationAnswersRequest = z.input<typeof ValidationAnswersRequestSchema>;

export const CreateOrganizationRequestSchema = z.object({
  name: required(),
  industry: required(),
  businessTypeId: uuid4,
  address: required(),
  city: required(),
  managementAlias: z.string().check(z.minLength(4), z.maxLength(100), z.regex(/^[^A-Z]*$/, 'must be lowercase')),
  creditLimit: aed,
  phone: z.optional(z.string()),
  email: z.optional(z.email()),
  payrollStartDay: z.optional(z.int().check(z.minimum(1), z.maximum(31))),
});
export type CreateOrganizationRequest = z.input<typeof CreateOrganizationRequestSchema>;

export const CreateRepaymentRequestSchema = z
  .object({
    amount: aed,
    clientRepaymentReferenceNumber: required(),
    employeeId: z.optional(z.string().check(z.minLength(1))),
    transactionId: z.optional(z.string().check(z.minLength(1))),
    description: z.optional(z.string()),
    paymentMethod: z.optional(z.string()),
  })
  .check(z.refine((r) => Boolean(r.employeeId || r.transactionId), { message: 'employeeId or transactionId is required', path: ['employeeId'] }));
export type CreateRepaymentRequest = z.input<typeof CreateRepaymentRequestSchema>;

export const EmployeeLoginRequestSchema = z.object({ username: required(), password: required(), emiratesId: required() });
export const EmployerLoginRequestSchema = z.object({ username: required(), password: required() });
export const ThirdPartyLoginRequestSchema = z.object({
  username: required(),
  password: required(),
  clientId: z.optional(z.string()),
  scope: z.optional(z.string()),
});
export const RefreshTokenRequestSchema = z.object({ refreshToken: required() });
export const ChangePasswordRequestSchema = z
  .object({ currentPassword: required(), newPassword: z.string().check(z.minLength(8)), confirmPassword: required() })
  .check(z.refine((r) => r.newPassword === r.confirmPassword, { message: 'must equal newPassword', path: ['confirmPassword'] }));
export const ResetPasswordRequestSchema = z.object({ username: z.optional(z.string()), email: z.optional(z.string()), emiratesId: z.optional(z.string()) });
export const ResetPasswordConfirmRequestSchema = z
  .object({ token: required(), newPassword: z.string().check(z.minLength(8)), confirmPassword: required() })
  .check(z.refine((r) => r.newPassword === r.confirmPassword, { message: 'must equal newPassword', path: ['confirmPassword'] }));
export const MfaSetupRequestSchema = z.object({ method: z.enum(['sms', 'email', 'totp']), phone: z.optional(z.string()), email: z.optional(z.string()) });
export const MfaVerificationRequestSchema = z.object({ token: required(), code: required() });

export type EmployeeLoginRequest = z.input<typeof EmployeeLoginRequestSchema>;
export type EmployerLoginRequest = z.input<typeof EmployerLoginRequestSchema>;
export type ThirdPartyLoginRequest = z.input<typeof ThirdPartyLoginRequestSchema>;
export type RefreshTokenRequest = z.input<typeof RefreshTokenRequestSchema>;
export type ChangePasswordRequest = z.input<typeof ChangePasswordRequestSchema>;
export type ResetPasswordRequest = z.input<typeof ResetPasswordRequestSchema>;
export type ResetPasswordConfirmRequest = z.input<typeof ResetPasswordConfirmRequestSchema>;
export type MfaSetupRequest = z.input<typeof MfaSetupRequestSchema>;
export type MfaVerificationRequest = z.input<typeof MfaVerificationRequestSchema>;

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
