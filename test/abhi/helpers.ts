import { randomBytes, randomUUID } from 'node:crypto';
import { aesGcmCipher } from '#shared/crypto/field-cipher';
import { createDynamoAbhiClient, RecordingMetricsSink, type AbhiClient, type AbhiClientOptions, type EmployeeInput } from '#shared/abhi/client';

/** Credentials of the sandbox's fleet user in these tests (not secrets: the sandbox only exists in the test). */
export const CREDENTIALS = { username: 'platform-abhi-test', password: 'abhi-test-password' };

/** A unique key prefix so tests sharing the DynamoDB Local state table never see each other's items. */
export const uniquePrefix = (): string => `t-${randomUUID()}#`;

/** The fleet's token key in these tests: every simulated instance of a test process shares it, as Lambdas share the secret. */
export const TEST_TOKEN_KEY = randomBytes(32);
export const testTokenCipher = aesGcmCipher(async () => TEST_TOKEN_KEY);

export function stateTable(): string {
  const table = process.env.STATE_TABLE_NAME;
  if (!table) throw new Error('STATE_TABLE_NAME is not set: run through vitest so test/support/global-setup.ts starts DynamoDB Local.');
  return table;
}

export interface TestInstance {
  readonly client: AbhiClient;
  readonly metrics: RecordingMetricsSink;
}

/** One simulated Lambda instance: its own client object, state shared through DynamoDB under `keyPrefix`. */
export function instance(
  sandbox: { readonly baseUrl: string },
  keyPrefix: string,
  overrides: Partial<Omit<AbhiClientOptions, 'tokenStore' | 'rateLimiter' | 'breakerStore' | 'cache'>> = {},
): TestInstance {
  const metrics = new RecordingMetricsSink();
  const client = createDynamoAbhiClient({
    baseUrl: sandbox.baseUrl,
    credentials: CREDENTIALS,
    tokenCipher: testTokenCipher,
    tableName: stateTable(),
    keyPrefix,
    metrics,
    rateLimit: { ratePerSecond: 1000, burst: 1000 },
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    timeoutMs: 5_000,
    ...overrides,
  });
  return { client, metrics };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A valid employee in Abhi's own shape (netSalary a string), with a random Emirates ID; names follow the code. */
export function abhiEmployeeInput(bankId: string, employeeCode: string): EmployeeInput {
  return {
    employeeCode,
    firstName: 'Test',
    lastName: `Person ${employeeCode}`,
    department: 'Operations',
    designation: 'Site Supervisor',
    phone: '+971501234567',
    email: `${employeeCode.toLowerCase()}@abhi-test.example`,
    dob: '1990-04-01',
    dateOfJoining: '2021-06-15',
    accountTitle: `Test Person ${employeeCode}`,
    accountNumber: 'AE070331234567890123456',
    netSalary: '9000',
    emiratesId: `784-1990-${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}-1`,
    gender: 'Male',
    bankId,
    payrollStartDay: 1,
  };
}
