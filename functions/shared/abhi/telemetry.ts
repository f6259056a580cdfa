import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { metrics as sharedMetrics } from '#shared/observability';
import type { AbhiMetricsSink, MetricUnit as Unit } from './ports';

/**
 * Metrics of the Abhi client (EMF through the shared Powertools `metrics` singleton):
 *
 * | metric                  | unit | dimensions                 | when                                               |
 * |-------------------------|------|----------------------------|----------------------------------------------------|
 * | AbhiCallLatency         | ms   | AbhiGroup, AbhiOutcome     | every client call (outcome: success, not_found, …) |
 * | AbhiRetries             | Count| –                          | each retried attempt                               |
 * | AbhiRateLimitWaitMs     | ms   | –                          | time spent waiting for a fleet-wide rate slot      |
 * | AbhiRateLimited         | Count| –                          | no slot within the budget (local) or Abhi 429      |
 * | AbhiBreakerOpened       | Count| AbhiGroup                  | a breaker opened (this instance made the change)   |
 * | AbhiBreakerRejected     | Count| –                          | a call failed fast on an open breaker              |
 * | AbhiBreakerTrials       | Count| AbhiGroup                  | a half-open trial call was let through             |
 * | AbhiCacheHit/Miss       | Count| –                          | cached read endpoints                              |
 * | AbhiLogins              | Count| –                          | logins this instance performed                     |
 * | AbhiLoginFailures       | Count| AbhiAlarm=LoginRejected    | credentials rejected / user locked (alarm on ≥ 1)  |
 * | AbhiOutcomeResolved     | Count| –                          | an unknown write outcome settled by a lookup       |
 *
 * Metrics with dimensions are published at once (`singleMetric`) so alarms do not depend on the handler flushing;
 * the others are buffered in the singleton and flushed by the handler's metrics middleware (`logMetrics`, or
 * `publishMetrics` in API handlers). Each call also feeds the alarm metrics (see `alarmMetricsFor`).
 */
export function powertoolsMetricsSink(metrics: Metrics = sharedMetrics): AbhiMetricsSink {
  const emit = (name: string, unit: Unit, value: number, dimensions?: Readonly<Record<string, string>>, immediately = false) => {
    const powertoolsUnit = unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count;
    if (dimensions || immediately) {
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions ?? {})) single.addDimension(key, dimensionValue);
      single.addMetric(name, powertoolsUnit, value);
    } else {
      metrics.addMetric(name, powertoolsUnit, value);
    }
  };
  return {
    metric(name, unit, value, dimensions) {
      emit(name, unit, value, dimensions);
      for (const [alarmName, alarmValue, immediately] of alarmMetricsFor(name, value, dimensions)) emit(alarmName, alarmName === 'AbhiLatency' ? 'Milliseconds' : 'Count', alarmValue, undefined, immediately);
    },
  };
}

/**
 * Telemetry never breaks a request: a metric the sink cannot publish (EMF validation, a full buffer, a broken
 * stdout) is dropped, and logged once per metric name so a recurring fault does not flood the logs. Without this a
 * metric thrown inside an Abhi call would turn Abhi's success into a failed call and count against the breaker.
 */
export function failSafeMetricsSink(inner: AbhiMetricsSink, log: Pick<Logger, 'warn'>): AbhiMetricsSink {
  const reported = new Set<string>();
  return {
    metric(name, unit, value, dimensions) {
      try {
        inner.metric(name, unit, value, dimensions);
      } catch (error) {
        if (reported.has(name)) return;
        reported.add(name);
        try {
          log.warn('Abhi metric could not be published; dropped (reported once per metric)', { metric: name, error: error instanceof Error ? error.message : String(error) });
        } catch {
          // A logger that throws as well leaves nothing to report to.
        }
      }
    },
  };
}

/**
 * The metrics the CloudWatch alarms and dashboard read (infra/config/metrics.ts): fixed names with only the
 * default `service` dimension, derived from the detailed metrics above. Login failures are published at once.
 */
function alarmMetricsFor(name: string, value: number, dimensions?: Readonly<Record<string, string>>): [string, number, boolean][] {
  switch (name) {
    case 'AbhiCallLatency': {
      const outcome = dimensions?.AbhiOutcome;
      if (outcome === 'cache_hit') return [];
      const derived: [string, number, boolean][] = [['AbhiCalls', 1, false], ['AbhiLatency', value, false]];
      if (outcome === 'server_error' || outcome === 'timeout') derived.push(['AbhiServerErrors', 1, false]);
      return derived;
    }
    case 'AbhiBreakerRejected':
      return [['AbhiCircuitOpen', value, false]];
    case 'AbhiCacheHit':
      return [['CacheHits', value, false]];
    case 'AbhiCacheMiss':
      return [['CacheMisses', value, false]];
    case 'AbhiLoginFailures':
      return dimensions ? [['AbhiLoginFailures', value, true]] : [];
    default:
      return [];
  }
}

/** A sink that keeps every metric in memory, for tests and diagnostics. */
export class RecordingMetricsSink implements AbhiMetricsSink {
  readonly records: { name: string; unit: Unit; value: number; dimensions?: Readonly<Record<string, string>> }[] = [];
  metric(name: string, unit: Unit, value: number, dimensions?: Readonly<Record<string, string>>): void {
    this.records.push({ name, unit, value, dimensions });
  }
  sum(name: string, filter?: (dimensions: Readonly<Record<string, string>> | undefined) => boolean): number {
    return this.records.filter((r) => r.name === name && (!filter || filter(r.dimensions))).reduce((total, r) => total + r.value, 0);
  }
  count(name: string): number {
    return this.records.filter((r) => r.name === name).length;
  }
}
