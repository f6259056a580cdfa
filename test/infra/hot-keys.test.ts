import { describe, expect, it } from 'vitest';
import { BULK_REASK_MIN_MS, FLEET_BUCKET_SHARDS, patientAsksWithin } from '#shared/abhi/fleet-limit';
import { EDGE_BUCKET_SHARDS, SHARED_ACQUISITIONS_PER_REQUEST } from '#shared/http/rate-limit';
import { effectiveShards, MAX_ITEM_WRITES_PER_SECOND, MAX_WRITES_PER_ACQUISITION } from '#shared/rate-limit/token-bucket';
import { QUEUES, SCHEDULES } from '#shared/topology';
import { ADVANCE_TASK_NAMES } from '#shared/use-cases/advances/workflow-contract';
import { consumerAccess, scheduleAccess } from '../../infra/config/function-access';
import { resolveStageConfig, STAGE_NAMES, type StageConfig } from '../../infra/config/stages';
import { WORKFLOW_TASK_TIMEOUT_SECONDS } from '../../infra/stacks/api-stack';

/**
 * Hot keys (issue #13, ADR 0023): at the stage throttle ceiling no DynamoDB item may need more than 500 writes/s.
 * Computed, not measured: from each deployed stage's configuration (API Gateway stage and method throttles, the
 * rate-limit rules, the fleet's bucket towards Abhi, the queues' concurrency) and the sharding and re-ask spacing the
 * functions use. The behaviour of the sharded buckets is proven on DynamoDB Local in test/abhi/sharded-token-bucket.
 */
const stages: StageConfig[] = STAGE_NAMES.map((stage) =>
  resolveStageConfig((key) => ({ stage, oidcIssuer: 'https://sso.example.ae/realms/abhi-microservices', alarmEmail: 'ops@example.ae' })[key]),
);

/**
 * An edge bucket (per principal or per client IP, class read/write): at most every request API Gateway admits in a
 * second reaches one key, each making SHARED_ACQUISITIONS_PER_REQUEST acquisitions of the shared store (the
 * local share in front only removes some), spread over the bucket's shards. The per-IP rules are the
 * principal's times RATE_LIMIT_IP_FACTOR >= 1, so a larger burst and at least as many shards: the principal's
 * rules are the worst case.
 */
function edgeItemWrites(config: StageConfig, burst: number, shards = EDGE_BUCKET_SHARDS): number {
  const acquisitions = config.api.stageThrottle.rateLimit * SHARED_ACQUISITIONS_PER_REQUEST;
  return (acquisitions * MAX_WRITES_PER_ACQUISITION) / effectiveShards(shards, burst);
}

/**
 * The fleet's bucket towards Abhi (ABHI#RATE#<shard>), writes per second over all its shards. A refused ask whose
 * instance saw the bucket busy is one write; a first ask or an admitted one at most MAX_WRITES_PER_ACQUISITION (the
 * idle/busy switch).
 * - admitted: the bucket's rate (a late slot retaken once: twice) plus its burst;
 * - interactive API calls: refused at most once per request (the request then fails), so the stage rate;
 * - workflow tasks (patient): each task state runs once per advance (the state machine's retries come after its own
 *   backoff), advances are throttled per method; a task asks at most `patientAsksWithin(its timeout)` times;
 * - queue consumers and schedules that call Abhi (bulk): one caller per message of a batch at the queue's maximum
 *   concurrency, each asking at most every BULK_REASK_MIN_MS (counted at the first ask's cost).
 */
function fleetWrites(config: StageConfig, patienceSeconds = WORKFLOW_TASK_TIMEOUT_SECONDS, asks = patientAsksWithin): number {
  const first = MAX_WRITES_PER_ACQUISITION;
  const admitted = 2 * config.abhi.rateLimitRps + config.abhi.rateLimitBurst;
  const api = config.api.stageThrottle.rateLimit;
  const taskStarts = config.api.methodThrottle.advance.rateLimit * ADVANCE_TASK_NAMES.length;
  const patientReasks = taskStarts * (asks(patienceSeconds * 1000) - 1);
  const bulkCallers =
    QUEUES.filter((q) => consumerAccess(q).abhi === 'client').reduce((sum, q) => sum + q.maxConcurrency * q.batchSize, 0) +
    SCHEDULES.filter((s) => scheduleAccess(s).abhi === 'client').length;
  const bulkAsks = bulkCallers * (1000 / BULK_REASK_MIN_MS);
  return first * (admitted + api + taskStarts) + patientReasks + first * bulkAsks;
}

describe('no DynamoDB item takes more than 500 writes/s at the stage throttle ceiling (computed from the stage configuration)', () => {
  it.each(stages.map((c) => [c.stage, c] as const))('%s: every edge bucket item (per principal and per IP, read and write)', (_stage, config) => {
    for (const rateClass of ['read', 'write'] as const) {
      const writes = edgeItemWrites(config, config.principalRateLimits[rateClass].burst);
      expect(writes, `${rateClass}: ${writes} writes/s per item`).toBeLessThanOrEqual(MAX_ITEM_WRITES_PER_SECOND);
    }
    // The advance quota (a sliding log per employee, not a bucket) is charged once per accepted advance: at most the
    // advance method throttle, each charge at most 5 conditional writes under contention (DynamoDbRateLimitStore).
    expect(config.api.methodThrottle.advance.rateLimit * 5).toBeLessThanOrEqual(MAX_ITEM_WRITES_PER_SECOND);
  });

  it.each(stages.map((c) => [c.stage, c] as const))('%s: every item of the fleet bucket towards Abhi, waiting workflow tasks and consumers included', (_stage, config) => {
    const shards = effectiveShards(FLEET_BUCKET_SHARDS, config.abhi.rateLimitBurst);
    expect(shards).toBe(FLEET_BUCKET_SHARDS);
    expect(fleetWrites(config) / shards).toBeLessThanOrEqual(MAX_ITEM_WRITES_PER_SECOND);
  });

  it('the model has teeth: one item per bucket, or tasks that ask about once a second, would exceed it in prod', () => {
    const prod = stages.find((c) => c.stage === 'prod')!;
    const writeRule = prod.principalRateLimits.write;
    expect(edgeItemWrites(prod, writeRule.burst, 1)).toBeGreaterThan(MAX_ITEM_WRITES_PER_SECOND);
    expect(fleetWrites(prod)).toBeGreaterThan(MAX_ITEM_WRITES_PER_SECOND);
    // Before ADR 0023 a refused patient task asked again within about a second (0–1 s): ~one ask per 0.5 s.
    const everyHalfSecond = (patienceMs: number) => Math.ceil(patienceMs / 500);
    const shards = effectiveShards(FLEET_BUCKET_SHARDS, prod.abhi.rateLimitBurst);
    expect(fleetWrites(prod, WORKFLOW_TASK_TIMEOUT_SECONDS, everyHalfSecond) / shards).toBeGreaterThan(MAX_ITEM_WRITES_PER_SECOND);
  });
});
