import { abhiClientFromEnv } from '#shared/abhi/client';
import { fieldCipher } from '#shared/crypto/field-encryption';
import { publishEvents } from '#shared/events/outbox';
import { dynamoJobStore } from '#shared/adapters/sqs/jobs';
import { sqsWorkQueue } from '#shared/adapters/sqs/queues';
import type { ApiRequest } from '#shared/http/api-handler';
import { revokeSubject } from '#shared/auth/revocation';
import type { BusinessDeps, UseCaseContext } from '#shared/use-cases/employees/context';
import { registerAuditDatabase } from '#shared/auth/audit';
import { getPool } from '#shared/db/pool';

// Explicit wiring: this function has a database, so its audit events go to audit_log (see auth/audit.ts).
registerAuditDatabase(getPool);

/**
 * Composition root of the business API: the real adapters behind the use cases' ports (Abhi client with its
 * DynamoDB-backed token/rate limit/breaker/cache, AES-GCM field cipher with the key from Secrets Manager, the outbox
 * relay to SNS, the job store in the state table, SQS work queues, revocations in the state table). Everything is created lazily, once per process.
 */
let deps: BusinessDeps | undefined;

export function businessDeps(): BusinessDeps {
  if (!deps) {
    let abhi: BusinessDeps['abhi'] | undefined;
    let jobs: BusinessDeps['jobs'] | undefined;
    const importQueue = sqsWorkQueue('employee-import');
    const syncQueue = sqsWorkQueue('abhi-sync');
    deps = {
      get abhi() {
        return (abhi ??= abhiClientFromEnv());
      },
      get cipher() {
        return fieldCipher();
      },
      publishEvents,
      get jobs() {
        return (jobs ??= dynamoJobStore());
      },
      importQueue,
      syncQueue,
      async revokeEmployeeSessions(employeeId) {
        await revokeSubject('employee', employeeId);
      },
    };
  }
  return deps;
}

/** Keep this much of the Lambda's time to write the answer after the last Abhi call. */
const RESERVE_MS = 1_000;

/** The use-case context of an API request. */
export function requestContext(request: Pick<ApiRequest, 'principal' | 'requestId' | 'remainingTimeMs'>): UseCaseContext {
  return {
    principal: request.principal,
    correlationId: request.requestId,
    deadline: Date.now() + Math.max(1_000, request.remainingTimeMs() - RESERVE_MS),
  };
}
