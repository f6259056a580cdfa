import * as z from 'zod';
import { named } from './catalog';
import { amount, email, emiratesId, isoDate, isoDateTime, money, pageOf, paginationShape, phoneE164, resourceId, safeString, scalarRecord, searchTerm, text } from './common';
import { NOTIFICATION_LOCALES } from './organizations';

/**
 * Employee request and response schemas. Field names are Abhi's (camelCase). `accountNumber` and `emiratesId` are
 * accepted in clear and only ever returned masked.
 */
export const EMPLOYEE_STATUSES = ['active', 'inactive', 'deleted'] as const;
export type EmployeeStatus = (typeof EMPLOYEE_STATUSES)[number];

const gender = z
  .enum(['Male', 'Female', 'male', 'female'])
  .transform((value) => (value.toLowerCase() === 'male' ? 'Male' : 'Female'))
  .meta({ description: 'Male or Female (case-insensitive)', example: 'Female' });

const accountNumber = z
  .string()
  .trim()
  .transform((value) => value.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-Z0-9]{6,34}$/, 'Expected an account number or IBAN: 6 to 34 letters and digits.'))
  .meta({ description: 'Bank account number or IBAN (stored encrypted, returned masked)', example: 'AE070331234567890123456' });

const payrollStartDay = z.number().int().min(1).max(31).meta({ description: 'Day of month payroll starts (1-31)', example: 1 });

const preferredLocale = z
  .enum(NOTIFICATION_LOCALES)
  .meta({ description: "Language of the employee's notifications: en or ar; null follows the organization's (kept here, not at Abhi)", example: 'ar' });

const today = () => new Date().toISOString().slice(0, 10);

export const employeeFields = {
  employeeCode: text(50).regex(/^[A-Za-z0-9._/-]+$/, 'Use letters, digits, dot, dash, slash or underscore.').meta({ description: 'Employer-assigned code, unique per organization', example: 'EMP-0001' }),
  firstName: text(100).meta({ example: 'Fatima' }),
  lastName: text(100).meta({ example: 'Ali' }),
  department: text(100).meta({ example: 'Finance' }),
  designation: text(100).meta({ example: 'Accountant' }),
  phone: phoneE164(),
  email: email(),
  dob: isoDate().refine((value) => value < today(), 'The date of birth must be in the past.').meta({ example: '1990-05-14' }),
  dateOfJoining: isoDate().meta({ example: '2021-03-01' }),
  accountTitle: text(150).meta({ example: 'Fatima Ali' }),
  accountNumber,
  netSalary: amount({ max: 10_000_000 }).meta({ description: 'Monthly net salary in AED', example: 8000 }),
  emiratesId: emiratesId(),
  gender,
  bankId: z.uuidv4('Expected a bank id (UUID v4) from GET /organizations/banks.').meta({ description: 'Bank id (UUID v4) from GET /organizations/banks', example: '9b5fcf65-5fca-4acf-a3a5-6f79055644e1' }),
  payrollStartDay,
};

const organizationIdField = resourceId('Organization').meta({
  description: 'Organization of the employee. Platform administrators must give it; other callers may omit it (their own).',
});

function birthBeforeJoining(value: { dob?: string; dateOfJoining?: string }, ctx: z.RefinementCtx): void {
  if (value.dob && value.dateOfJoining && value.dob >= value.dateOfJoining) {
    ctx.addIssue({ code: 'custom', path: ['dateOfJoining'], message: 'The date of joining must be after the date of birth.' });
  }
}

export const createEmployeeBody = z
  .strictObject({
    ...employeeFields,
    phone: employeeFields.phone.optional(),
    organizationId: organizationIdField.optional(),
    preferredLocale: preferredLocale.optional(),
  })
  .superRefine(birthBeforeJoining)
  .meta({ description: 'A new employee' });
export type CreateEmployeeInput = z.output<typeof createEmployeeBody>;

export const updateEmployeeBody = z
  .strictObject({
    firstName: employeeFields.firstName.optional(),
    lastName: employeeFields.lastName.optional(),
    department: employeeFields.department.optional(),
    designation: employeeFields.designation.optional(),
    phone: employeeFields.phone.optional(),
    email: employeeFields.email.optional(),
    dob: employeeFields.dob.optional(),
    dateOfJoining: employeeFields.dateOfJoining.optional(),
    accountTitle: employeeFields.accountTitle.optional(),
    accountNumber: employeeFields.accountNumber.optional(),
    netSalary: employeeFields.netSalary.optional(),
    emiratesId: employeeFields.emiratesId.optional(),
    gender: employeeFields.gender.optional(),
    bankId: employeeFields.bankId.optional(),
    payrollStartDay: employeeFields.payrollStartDay.optional(),
    status: z.enum(['active', 'inactive']).optional().meta({ description: 'Deactivate (inactive) or reactivate (active) the employee' }),
    preferredLocale: preferredLocale.nullable().optional(),
  })
  .superRefine(birthBeforeJoining)
  .refine((value) => Object.values(value).some((v) => v !== undefined), 'Give at least one field to change.')
  .meta({ description: 'Fields to change (the employee code cannot change); at least one', minProperties: 1 });
export type UpdateEmployeeInput = z.output<typeof updateEmployeeBody>;

export const employeeIdParams = z.strictObject({ id: resourceId('Employee') });

export const listEmployeesQuery = z.strictObject({
  ...paginationShape,
  department: searchTerm(100).meta({ description: 'Exact department (case-insensitive)' }),
  search: searchTerm(100).meta({ description: 'Part of the name, employee code or e-mail' }),
  status: z.enum(EMPLOYEE_STATUSES).optional().meta({ description: 'active (default: active and inactive), inactive or deleted' }),
  organizationId: organizationIdField.optional().meta({ description: 'Filter by organization (platform administrators and organization admins)' }),
});
export type ListEmployeesQuery = z.output<typeof listEmployeesQuery>;

export const searchEmployeesQuery = z.strictObject({
  q: safeString().trim().min(2, 'Give at least 2 characters to search for.').max(100).meta({ description: 'Part of the name, employee code or e-mail', example: 'fatima' }),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Maximum results, 1 to 100', example: 20 }),
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
      .min(1, 'Give at least one employee.')
      .max(MAX_BULK_EMPLOYEES, `Give at most ${MAX_BULK_EMPLOYEES} employees per import.`)
      .meta({ description: 'Employees in the shape of POST /employees (each row is validated separately)' }),
    organizationId: organizationIdField.optional(),
  })
  .meta({ description: 'Employees to import as a background job' });

/** One row of a bulk import, validated as in POST /employees (without organizationId, which the job carries). */
export const bulkRowSchema = z.strictObject({ ...employeeFields, phone: employeeFields.phone.optional() }).superRefine(birthBeforeJoining);
export type BulkRow = z.output<typeof bulkRowSchema>;

export const employeeSchema = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    employeeCode: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    department: z.string().nullable(),
    designation: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    dob: z.string().nullable(),
    dateOfJoining: z.string().nullable(),
    accountTitle: z.string().nullable(),
    accountNumber: z.string().nullable().meta({ description: 'Masked, e.g. ****1234', example: '****3456' }),
    netSalary: money('Monthly net salary').nullable(),
    emiratesId: z.string().nullable().meta({ description: 'Masked, e.g. 784-****-*******-6', example: '784-****-*******-6' }),
    gender: z.string().nullable(),
    bankId: z.string().nullable(),
    payrollStartDay: z.number().int().nullable(),
    preferredLocale: preferredLocale.nullable(),
    status: z.string(),
    createdAt: isoDateTime(),
    updatedAt: isoDateTime(),
    syncedAt: isoDateTime().nullable(),
  })
  .meta({ description: 'An employee (account number and Emirates ID masked)' });
export type EmployeeView = z.infer<typeof employeeSchema>;

export const employeePageSchema = pageOf(employeeSchema, 'A page of employees, ordered by last name, first name, id');
export const employeeSearchSchema = z.object({ items: z.array(employeeSchema), limit: z.number().int() }).meta({ description: 'Best matches first' });

export const bulkImportAcceptedSchema = z
  .object({
    id: z.string().meta({ description: 'Job id: poll GET /jobs/{id}' }),
    status: z.string(),
    total: z.number().int(),
    accepted: z.number().int().meta({ description: 'Rows queued for creation at Abhi' }),
    rejected: z.number().int().meta({ description: 'Rows refused by validation (see the job items)' }),
  })
  .meta({ description: 'The import job was accepted' });

export const deletedEmployeeSchema = z.object({ id: z.string(), status: z.literal('deleted') }).meta({ description: 'The employee was deleted' });

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). Requests
 * and answers are two catalogues so that a function bundles the request schemas it validates with, not the answers.
 */
export const EMPLOYEE_REQUESTS = named({
  CreateEmployeeRequest: createEmployeeBody,
  UpdateEmployeeRequest: updateEmployeeBody,
  BulkImportRequest: bulkImportBody,
  EmployeePath: employeeIdParams,
  ListEmployeesQuery: listEmployeesQuery,
  SearchEmployeesQuery: searchEmployeesQuery,
});
export const EMPLOYEE_RESPONSES = named({
  Employee: employeeSchema,
  EmployeePage: employeePageSchema,
  EmployeeSearchResult: employeeSearchSchema,
  BulkImportAccepted: bulkImportAcceptedSchema,
  DeletedEmployee: deletedEmployeeSchema,
});
