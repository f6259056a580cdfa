import * as z from 'zod';
import type { OperationSchemas } from './operations-system';
import {
  bulkImportAcceptedSchema,
  bulkImportBody,
  createEmployeeBody,
  employeeIdParams,
  employeePageSchema,
  employeeSchema,
  employeeSearchSchema,
  listEmployeesQuery,
  searchEmployeesQuery,
  updateEmployeeBody,
} from '#shared/schemas/employees';
import { getJobQuery, jobIdParams, jobSchema } from '#shared/schemas/jobs';
import {
  createdOrganizationSchema,
  createOrganizationBody,
  listOrganizationsQuery,
  organizationIdParams,
  organizationPageSchema,
  organizationSchema,
  organizationStatisticsSchema,
  updateOrganizationBody,
} from '#shared/schemas/organizations';
import { bankPageSchema, businessTypePageSchema, listBanksQuery, listBusinessTypesQuery } from '#shared/schemas/master-data';
import { outstandingReportQuery, outstandingReportSchema, statementParams, statementQuery, statementSchema } from '#shared/schemas/reports';

/**
 * OpenAPI operations of the business API (employees, jobs, organizations, master data, reports): the very schema
 * objects the handlers validate with and answer in.
 */
const deleted = z.object({ id: z.string(), status: z.literal('deleted') }).meta({ description: 'The employee was deleted' });

export const BUSINESS_OPERATIONS: Record<string, OperationSchemas> = {
  listEmployees: { query: listEmployeesQuery, responses: { 200: employeePageSchema } },
  createEmployee: { body: createEmployeeBody, responses: { 201: employeeSchema } },
  searchEmployees: { query: searchEmployeesQuery, responses: { 200: employeeSearchSchema } },
  bulkImportEmployees: { body: bulkImportBody, responses: { 202: bulkImportAcceptedSchema } },
  getEmployee: { params: employeeIdParams, responses: { 200: employeeSchema } },
  updateEmployee: { params: employeeIdParams, body: updateEmployeeBody, responses: { 200: employeeSchema } },
  deleteEmployee: { params: employeeIdParams, responses: { 200: deleted } },
  getMyEmployeeProfile: { responses: { 200: employeeSchema } },
  getJob: { params: jobIdParams, query: getJobQuery, responses: { 200: jobSchema } },

  listOrganizations: { query: listOrganizationsQuery, responses: { 200: organizationPageSchema } },
  createOrganization: { body: createOrganizationBody, responses: { 201: createdOrganizationSchema } },
  listBusinessTypes: { query: listBusinessTypesQuery, responses: { 200: businessTypePageSchema } },
  listBanks: { query: listBanksQuery, responses: { 200: bankPageSchema } },
  getOrganization: { params: organizationIdParams, responses: { 200: organizationSchema } },
  updateOrganization: { params: organizationIdParams, body: updateOrganizationBody, responses: { 200: organizationSchema } },
  getOrganizationStatistics: { params: organizationIdParams, responses: { 200: organizationStatisticsSchema } },

  getOutstandingReport: { query: outstandingReportQuery, responses: { 200: outstandingReportSchema } },
  getStatement: { params: statementParams, query: statementQuery, responses: { 200: statementSchema } },
};

export { deleted as deletedEmployeeSchema };
