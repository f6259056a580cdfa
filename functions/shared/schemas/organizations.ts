import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { amount, email, isoDateTime, money, NOTIFICATION_LOCALES, pageOf, paginationShape, phoneE164, resourceId, searchTerm, text, type NotificationLocale } from './common';
import { MAX_APPROVAL_TTL_HOURS, type AdvancePolicy } from '#shared/domain/advance-policy';

/**
 * Organization schemas. Abhi owns the organization itself (name, industry, credit limit, ...); this platform adds
 * local configuration: the advance policy the advance workflow applies and the notification settings.
 */

// ---- Advance policy ---------------------------------------------------------------------------------------------

// The policy itself (fields, defaults, how a stored policy resolves) is a domain rule the workflow applies: one
// definition in domain/advance-policy.ts, re-exported here for the API's schemas.
export { DEFAULT_ADVANCE_POLICY, resolveAdvancePolicy, type AdvancePolicy } from '#shared/domain/advance-policy';

const policyFields = {
  approvalThreshold: amount({ max: 1_000_000 }).check(z.meta({ description: 'Advances above this amount (AED) need approval', example: 2000 })),
  mfaThreshold: amount({ max: 1_000_000 }).check(z.meta({ description: 'Advances above this amount (AED) need MFA', example: 1000 })),
  maxAdvanceAmount: amount({ max: 1_000_000 }).check(z.meta({ description: 'Largest single advance (AED)', example: 5000 })),
  maxAdvancesPerMonth: z.int().check(z.minimum(1), z.maximum(31)).check(z.meta({ example: 3 })),
  minDaysSinceJoining: z.int().check(z.minimum(0), z.maximum(3650)).check(z.meta({ example: 90 })),
  approvalTtlHours: z.int().check(z.minimum(1), z.maximum(MAX_APPROVAL_TTL_HOURS)).check(z.meta({ description: 'Hours a pending approval waits before it expires (at most 168, the workflow\'s limit)', example: 48 })),
  blackoutDaysBeforePayroll: z.int().check(z.minimum(0), z.maximum(15)).check(z.meta({ example: 2 })),
};

export const advancePolicyInput = z.strictObject({
  approvalThreshold: z.optional(policyFields.approvalThreshold),
  mfaThreshold: z.optional(policyFields.mfaThreshold),
  maxAdvanceAmount: z.optional(policyFields.maxAdvanceAmount),
  maxAdvancesPerMonth: z.optional(policyFields.maxAdvancesPerMonth),
  minDaysSinceJoining: z.optional(policyFields.minDaysSinceJoining),
  approvalTtlHours: z.optional(policyFields.approvalTtlHours),
  blackoutDaysBeforePayroll: z.optional(policyFields.blackoutDaysBeforePayroll),
});

/** Cross-field rules of a complete policy; an empty list means it is consistent. */
export function advancePolicyProblems(policy: AdvancePolicy): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (policy.approvalThreshold > policy.maxAdvanceAmount) {
    problems.push({ field: 'body.advancePolicy.approvalThreshold', message: 'The approval threshold cannot exceed the maximum advance amount.' });
  }
  if (policy.mfaThreshold > policy.maxAdvanceAmount) {
    problems.push({ field: 'body.advancePolicy.mfaThreshold', message: 'The MFA threshold cannot exceed the maximum advance amount.' });
  }
  return problems;
}

// ---- Notification settings --------------------------------------------------------------------------------------

export interface NotificationSettings {
  channels: { email: boolean; sms: boolean; push: boolean };
  /** HR mailbox that receives a copy of employee and approval notifications. */
  hrEmail: string | null;
  /** Mailbox of the finance managers who approve advances; told when an advance waits for approval (HR's if unset). */
  approverEmail: string | null;
  /** Event types that send nothing for this organization. */
  mutedEvents: string[];
  /** Language of the organization's notifications: for employees without their own and mailboxes not listed below. */
  locale: NotificationLocale;
  /** A mailbox's own language (HR's, the approvers'), by lower-case address (ADR 0022). */
  recipientLocales: Record<string, NotificationLocale>;
}

export const DEFAULT_NOTIFICATION_SETTINGS: Readonly<NotificationSettings> = Object.freeze({
  channels: Object.freeze({ email: true, sms: true, push: false }),
  hrEmail: null,
  approverEmail: null,
  mutedEvents: [],
  locale: 'en',
  recipientLocales: Object.freeze({}),
});

export const notificationSettingsInput = z.strictObject({
  channels: z
    .optional(z.strictObject({ email: z.optional(z.boolean()), sms: z.optional(z.boolean()), push: z.optional(z.boolean()) }))
    .check(z.meta({ description: 'Channels to use' })),
  hrEmail: z.optional(z.nullable(email())),
  approverEmail: z.optional(z.nullable(email())).check(z.meta({ description: 'Finance managers\' mailbox for approval requests' })),
  mutedEvents: z
    .optional(z.array(z.string().check(z.regex(/^[a-z]+(\.[a-z]+)+$/, 'Expected an event type such as transaction.advance.approved.'))).check(z.maxLength(50)))
    .check(z.meta({ description: 'Event types that notify nobody', example: ['employee.created'] })),
  locale: z.optional(z.enum(NOTIFICATION_LOCALES)).check(z.meta({ description: 'Language of the notifications: en (English) or ar (Arabic)' })),
  recipientLocales: z
    .optional(z.record(email(), z.enum(NOTIFICATION_LOCALES)).check(z.refine((value) => Object.keys(value).length <= 20, 'Give at most 20 mailboxes.')))
    .check(z.meta({ description: "A mailbox's own language, by address (HR's, the approvers'); others use locale", example: { 'hr@example.ae': 'ar' } })),
});

export function resolveNotificationSettings(stored: unknown): NotificationSettings {
  const parsed = notificationSettingsInput.safeParse(stored ?? {});
  const value = parsed.success ? parsed.data : {};
  return {
    channels: { ...DEFAULT_NOTIFICATION_SETTINGS.channels, ...stripUndefined(value.channels ?? {}) },
    hrEmail: value.hrEmail ?? DEFAULT_NOTIFICATION_SETTINGS.hrEmail,
    approverEmail: value.approverEmail ?? DEFAULT_NOTIFICATION_SETTINGS.approverEmail,
    mutedEvents: value.mutedEvents ?? [...DEFAULT_NOTIFICATION_SETTINGS.mutedEvents],
    locale: value.locale ?? DEFAULT_NOTIFICATION_SETTINGS.locale,
    recipientLocales: Object.fromEntries(Object.entries(value.recipientLocales ?? {}).map(([address, locale]) => [address.toLowerCase(), locale])),
  };
}

// ---- Requests ---------------------------------------------------------------------------------------------------

export const createOrganizationBody = z
  .strictObject({
    name: text(200).check(z.meta({ example: 'Tech Solutions LLC' })),
    industry: text(100).check(z.meta({ example: 'Technology' })),
    businessTypeId: z.uuidv4('Expected a business type id (UUID v4) from GET /organizations/business-types.').check(z.meta({ description: 'Business type id (UUID v4) from GET /organizations/business-types' })),
    address: text(300).check(z.meta({ example: 'Office 12, Business Bay' })),
    city: text(100).check(z.meta({ example: 'Dubai' })),
    managementAlias: z
      .string()
      .check(z.trim(), z.minLength(4), z.maxLength(100), z.regex(/^[a-z0-9_]+$/, 'Use lowercase letters, digits and underscores.'))
      .check(z.meta({ description: 'Lowercase alias (4-100 characters)', example: 'tech_solutions' })),
    creditLimit: amount({ max: 100_000_000 }).check(z.meta({ description: 'Credit limit in AED', example: 500000 })),
    phone: z.optional(phoneE164()),
    email: z.optional(email()),
    payrollStartDay: z.optional(z.int().check(z.minimum(1), z.maximum(31))).check(z.meta({ example: 25 })),
    parentOrganizationId: z.optional(resourceId('Parent organization')).check(
      z.meta({
        description: 'Parent organization; defaults to the caller’s organization for organization admins',
      }),
    ),
    advancePolicy: z.optional(advancePolicyInput),
    notificationSettings: z.optional(notificationSettingsInput),
  })
  .check(z.meta({ description: 'A new (child) organization' }));
export type CreateOrganizationInput = z.output<typeof createOrganizationBody>;

export const updateOrganizationBody = z
  .strictObject({
    advancePolicy: z.optional(advancePolicyInput),
    notificationSettings: z.optional(notificationSettingsInput),
  })
  .check(z.refine((value) => value.advancePolicy !== undefined || value.notificationSettings !== undefined, 'Give advancePolicy or notificationSettings.'))
  .check(
    z.meta({
      description: 'Local configuration to change (fields not given keep their value); at least one of the two',
      anyOf: [{ required: ['advancePolicy'] }, { required: ['notificationSettings'] }],
    }),
  );
export type UpdateOrganizationInput = z.output<typeof updateOrganizationBody>;

export const organizationIdParams = z.strictObject({ id: resourceId('Organization') });

export const listOrganizationsQuery = z.strictObject({
  ...paginationShape,
  search: searchTerm(100).check(z.meta({ description: 'Part of the name or management alias' })),
  active: z
    .pipe(
      z.optional(z.enum(['true', 'false'])),
      z.transform((value: 'true' | 'false' | undefined) => (value === undefined ? undefined : value === 'true')),
    )
    .check(z.meta({ description: 'Only active (true) or inactive (false) organizations' })),
});
export type ListOrganizationsQuery = z.output<typeof listOrganizationsQuery>;

export const statisticsQuery = z.strictObject({});

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const ORGANIZATION_REQUESTS = named({
  CreateOrganizationRequest: createOrganizationBody,
  UpdateOrganizationRequest: updateOrganizationBody,
  OrganizationPath: organizationIdParams,
  ListOrganizationsQuery: listOrganizationsQuery,
});
export function organizationResponses() {
  return builtOnce(organizationAnswers);
}

function organizationAnswers() {
  const advancePolicySchema = z.object(policyFields).check(z.meta({ description: 'Advance policy (amounts in AED)' }));

  const notificationSettingsSchema = z
    .object({
      channels: z.object({ email: z.boolean(), sms: z.boolean(), push: z.boolean() }),
      hrEmail: z.nullable(z.string()),
      approverEmail: z.nullable(z.string()),
      mutedEvents: z.array(z.string()),
      locale: z.enum(NOTIFICATION_LOCALES),
      recipientLocales: z.record(z.string(), z.enum(NOTIFICATION_LOCALES)),
    })
    .check(z.meta({ description: 'Notification settings' }));

  const organizationSchema = z
    .object({
      id: z.string(),
      parentOrganizationId: z.nullable(z.string()),
      name: z.string(),
      industry: z.nullable(z.string()),
      businessTypeId: z.nullable(z.string()),
      address: z.nullable(z.string()),
      city: z.nullable(z.string()),
      managementAlias: z.nullable(z.string()),
      creditLimit: z.nullable(money('Credit limit')),
      phone: z.nullable(z.string()),
      email: z.nullable(z.string()),
      payrollStartDay: z.nullable(z.int()),
      active: z.boolean(),
      advancePolicy: advancePolicySchema,
      notificationSettings: notificationSettingsSchema,
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
      syncedAt: z.nullable(isoDateTime()),
    })
    .check(z.meta({ description: 'An organization with its local configuration' }));

  const createdOrganizationSchema = z
    .extend(organizationSchema, {
      users: z
        .record(z.string(), z.object({ username: z.string() }))
        .check(z.meta({ description: 'Usernames of the portal users Abhi provisioned; their generated credentials are kept encrypted and never returned' })),
    })
    .check(z.meta({ description: 'The created organization' }));

  const organizationPageSchema = pageOf(organizationSchema, 'A page of organizations, ordered by name, id');

  const organizationStatisticsSchema = z
    .object({
      organizationId: z.string(),
      employees: z.object({
        total: z.int(),
        active: z.int(),
        inactive: z.int(),
        byDepartment: z.array(z.object({ department: z.string(), count: z.int() })),
      }),
      advances: z.object({
        total: z.int(),
        byStatus: z.record(z.string(), z.int()),
        completedAmount: money('Amount of completed advances'),
        pendingAmount: money('Amount of advances waiting for validation, approval or processing'),
        last30Days: z.object({ count: z.int(), amount: money('Amount requested in the last 30 days') }),
      }),
      repayments: z.object({ total: z.int(), amount: money('Amount repaid') }),
      outstanding: money('Advances and fees not yet repaid (local ledger)'),
      generatedAt: isoDateTime(),
    })
    .check(z.meta({ description: 'Headcount and advance statistics from the local system of record' }));

  return named({
    AdvancePolicy: advancePolicySchema,
    NotificationSettings: notificationSettingsSchema,
    Organization: organizationSchema,
    CreatedOrganization: createdOrganizationSchema,
    OrganizationPage: organizationPageSchema,
    OrganizationStatistics: organizationStatisticsSchema,
  });
}

type Answers = ReturnType<typeof organizationResponses>['schemas'];
export type OrganizationView = z.infer<Answers['Organization']>;
export type CreatedOrganizationView = z.infer<Answers['CreatedOrganization']>;
export type OrganizationStatisticsView = z.infer<Answers['OrganizationStatistics']>;
