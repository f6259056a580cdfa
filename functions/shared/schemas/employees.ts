import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { amount, email, emiratesId, isoDate, isoDateTime, money, NOTIFICATION_LOCALES, pageOf, paginationShape, phoneE164, resourceId, safeString, scalarRecord, searchTerm, text } from './common';

/**
 * Employee request and response schemas. Field names are Abhi's (camelCase). `accountNumber` and `emiratesId` are
 * accepted in clear and only ever returned masked.
 */
export const EMPLOYEE_STATUSES = ['active', 'inactive', 'deleted'] as const;
export type EmployeeStatus = (typeof EMPLOYEE_STATUSES)[number];

const gender = z
  .pipe(
    z.enum(['Male', 'Female', 'male', 'female']),
    z.transform((value) => (value.toLowerCase() === 'male' ? 'Male' : 'Female')),
  )
  .check(z.meta({ description: 'Male or Female (case-insensitive)', example: 'Female' }));

const accountNumber = z
  .pipe(
    z.pipe(
      z.string().check(z.trim()),
      z.transform((value: string) => value.replace(/\s+/g, '').toUpperCase()),
    ),
    z.string().check(z.regex(/^[A-Z0-9]{6,34}$/, 'Expected an account number or IBAN: 6 to 34 letters and digits.')),
  )
  .check(z.meta({ description: 'Bank account number or IBAN (stored encrypted, returned masked)', example: 'AE070331234567890123456' }));

const payrollStartDay = z.int().check(z.minimum(1), z.maximum(31)).check(z.meta({ description: 'Day of month payroll starts (1-31)', example: 1 }));

const preferredLocale = z
  .enum(NOTIFICATION_LOCALES)
  .check(z.meta({ description: "Language of the employee's notifications: en or ar; null follows the organization's (kept here, not at Abhi)", example: 'ar' }));

const today = () => new Date().toISOString().slice(0, 10);

export const employeeFields = {
  employeeCode: text(50).check(z.regex(/^[A-Za-z0-9._/-]+$/, 'Use letters, digits, dot, dash, slash or underscore.')).check(z.meta({ description: 'Employer-assigned code, unique per organization', example: 'EMP-0001' })),
  firstName: text(100).check(z.meta({ example: 'Fatima' })),
  lastName: text(100).check(z.meta({ example: 'Ali' })),
  department: text(100).check(z.meta({ example: 'Finance' })),
  designation: text(100).check(z.meta({ example: 'Accountant' })),
  phone: phoneE164(),
  email: email(),
  dob: isoDate().check(z.refine((value) => value < today(), 'The date of birth must be in the past.')).check(z.meta({ example: '1990-05-14' })),
  dateOfJoining: isoDate().check(z.meta({ example: '2021-03-01' })),
  accountTitle: text(150).check(z.meta({ example: 'Fatima Ali' })),
  accountNumber,
  netSalary: amount({ max: 10_000_000 }).check(z.meta({ description: 'Monthly net salary in AED', example: 8000 })),
  emiratesId: emiratesId(),
  gender,
  bankId: z.uuidv4('Expected a bank id (UUID v4) from GET /organizations/banks.').check(z.meta({ description: 'Bank id (UUID v4) from GET /organizations/banks', example: '9b5fcf65-5fca-4acf-a3a5-6f79055644e1' })),
  payrollStartDay,
};

const organizationIdField = resourceId('Organization').check(
  z.meta({
    description: 'Organization of the employee. Platform administrators must give it; other callers may omit it (their own).',
  }),
);

function birthBeforeJoining(value: { dob?: string; dateOfJoining?: string }, ctx: z.core.$RefinementCtx): void {
  if (value.dob && value.dateOfJoining && value.dob >= value.dateOfJoining) {
    ctx.addIssue({ code: 'custom', path: ['dateOfJoining'], message: 'The date of joining must be after the date of birth.' });
  }
}

export const createEmployeeBody = z
  .strictObject({
    ...employeeFields,
    phone: z.optional(employeeFields.phone),
    organizationId: z.optional(organizationIdField),
    preferredLocale: z.optional(preferredLocale),
  })
  .check(z.superRefine(birthBeforeJoining))
  .check(z.meta({ description: 'A new employee' }));
export type CreateEmployeeInput = z.output<typeof createEmployeeBody>;

export const updateEmployeeBody = z
  .strictObject({
    firstName: z.optional(employeeFields.firstName),
    lastName: z.optional(employeeFields.lastName),
    department: z.optional(employeeFields.department),
    designation: z.optional(employeeFields.designation),
    phone: z.optional(employeeFields.phone),
    email: z.optional(employeeFields.email),
    dob: z.optional(employeeFields.dob),
    dateOfJoining: z.optional(employeeFields.dateOfJoining),
    accountTitle: z.optional(employeeFields.accountTitle),
    accountNumber: z.optional(employeeFields.accountNumber),
    netSalary: z.optional(employeeFields.netSalary),
    emiratesId: z.optional(employeeFields.emiratesId),
    gender: z.optional(employeeFields.gender),
    bankId: z.optional(employeeFields.bankId),
    payrollStartDay: z.optional(employeeFields.payrollStartDay),
    status: z.optional(z.enum(['active', 'inactive'])).check(z.meta({ description: 'Deactivate (inactive) or reactivate (active) the employee' })),
    preferredLocale: z.optional(z.nullable(preferredLocale)),
  })
  .check(z.superRefine(birthBeforeJoining))
  .check(z.refine((value) => Object.values(value).some((v) => v !== undefined), 'Give at least one field to change.'))
  .check(z.meta({ description: 'Fields to change (the employee code cannot change); at least one', minProperties: 1 }));
export type UpdateEmployeeInput = z.output<typeof updateEmployeeBody>;

export const employeeIdParams = z.strictObject({ id: resourceId('Employee') });

export const listEmployeesQuery = z.strictObject({
  ...paginationShape,
  department: searchTerm(100).check(z.meta({ description: 'Exact department (case-insensitive)' })),
  search: searchTerm(100).check(z.meta({ description: 'Part of the name, employee code or e-mail' })),
  status: z.optional(z.enum(EMPLOYEE_STATUSES)).check(z.meta({ description: 'active (default: active and inactive), inactive or deleted' })),
  organizationId: z.optional(organizationIdField).check(z.meta({ description: 'Filter by organization (platform administrators and organization admins)' })),
});
export type ListEmployeesQuery = z.output<typeof listEmployeesQuery>;

export const searchEmployeesQuery = z.strictObject({
  q: safeString().check(z.trim(), z.minLength(2, 'Give at least 2 characters to search for.'), z.maxLength(100)).check(z.meta({ description: 'Part of the name, employee code or e-mail', example: 'fatima' })),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20).check(z.meta({ description: 'Maximum results, 1 to 100', example: 20 })),
});

export const MAX_BULK_EMPLOYEES = 1000;

/**
 * Bulk import: each row is validated on its own (a bad row becomes a failed item of the job, not a 400 for the
 * whole request), so the body only fixes the envelope.
 */
export const bulkImportBody = z
  .strictObject({
    employees: z
      .array(scalarRecord({ maxKeys: 32, maxStringLength: 1000 }))
      .check(z.minLength(1, 'Give at least one employee.'), z.maxLength(MAX_BULK_EMPLOYEES, `Give at most ${MAX_BULK_EMPLOYEES} employees per import.`))
      .check(z.meta({ description: 'Employees in the shape of POST /employees (each row is validated separately)' })),
    organizationId: z.optional(organizationIdField),
  })
  .check(z.meta({ description: 'Employees to import as a background job' }));

/** One row of a bulk import, validated as in POST /employees (without organizationId, which the job carries). */
export const bulkRowSchema = z.strictObject({ ...employeeFields, phone: z.optional(employeeFields.phone) }).check(z.superRefine(birthBeforeJoining));
export type BulkRow = z.output<typeof bulkRowSchema>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const EMPLOYEE_REQUESTS = named({
  CreateEmployeeRequest: createEmployeeBody,
  UpdateEmployeeRequest: updateEmployeeBody,
  BulkImportRequest: bulkImportBody,
  EmployeePath: employeeIdParams,
  ListEmployeesQuery: listEmployeesQuery,
  SearchEmployeesQuery: searchEmployeesQuery,
});
export function employeeResponses() {
  return builtOnce(employeeAnswers);
}

function employeeAnswers() {
  const employeeSchema = z
    .object({
      id: z.string(),
      organizationId: z.string(),
      employeeCode: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      department: z.nullable(z.string()),
      designation: z.nullable(z.string()),
      phone: z.nullable(z.string()),
      email: z.nullable(z.string()),
      dob: z.nullable(z.string()),
      dateOfJoining: z.nullable(z.string()),
      accountTitle: z.nullable(z.string()),
      accountNumber: z.nullable(z.string()).check(z.meta({ description: 'Masked, e.g. ****1234', example: '****3456' })),
      netSalary: z.nullable(money('Monthly net salary')),
      emiratesId: z.nullable(z.string()).check(z.meta({ description: 'Masked, e.g. 784-****-*******-6', example: '784-****-*******-6' })),
      gender: z.nullable(z.string()),
      bankId: z.nullable(z.string()),
      payrollStartDay: z.nullable(z.int()),
      preferredLocale: z.nullable(preferredLocale),
      status: z.string(),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
      syncedAt: z.nullable(isoDateTime()),
    })
    .check(z.meta({ description: 'An employee (account number and Emirates ID masked)' }));

  const bulkImportAcceptedSchema = z
    .object({
      id: z.string().check(z.meta({ description: 'Job id: poll GET /jobs/{id}' })),
      status: z.string(),
      total: z.int(),
      accepted: z.int().check(z.meta({ description: 'Rows queued for creation at Abhi' })),
      rejected: z.int().check(z.meta({ description: 'Rows refused by validation (see the job items)' })),
    })
    .check(z.meta({ description: 'The import job was accepted' }));

  return named({
    Employee: employeeSchema,
    EmployeePage: pageOf(employeeSchema, 'A page of employees, ordered by last name, first name, id'),
    EmployeeSearchResult: z.object({ items: z.array(employeeSchema), limit: z.int() }).check(z.meta({ description: 'Best matches first' })),
    BulkImportAccepted: bulkImportAcceptedSchema,
    DeletedEmployee: z.object({ id: z.string(), status: z.literal('deleted') }).check(z.meta({ description: 'The employee was deleted' })),
  });
}

export type EmployeeView = z.infer<ReturnType<typeof employeeResponses>['schemas']['Employee']>;
