import { prng } from './seed';

/**
 * Fault injection of the sandbox, set per test (`sandbox.setFaults`) or with `PUT /__sandbox/faults` (an empty object
 * clears it). Never applies to `/__sandbox/*`. Rates are probabilities 0..1 per matching request.
 */
export interface FaultConfig {
  /** Respond with `status` (default 500) instead of handling the request. */
  readonly errorRate?: number;
  /** Status of injected errors (default 500). */
  readonly status?: number;
  /** `message` of injected errors' bodies (default: the status text). */
  readonly message?: string;
  /** Injected errors repeat the request body in `details`, like an API whose validation errors echo the record. */
  readonly echoBody?: boolean;
  /** Added latency before handling, ms. */
  readonly latencyMs?: number;
  /** Hold the request without answering (the client times out); the socket is destroyed after `hangMs`. */
  readonly timeoutRate?: number;
  /** Apply the request (commit the write), then destroy the socket without any response. */
  readonly dropAfterCommitRate?: number;
  /** Answer 200 with a malformed body (`malformedKind`: 'json' = truncated JSON (default), 'shape' = wrong data type). */
  readonly malformedRate?: number;
  readonly malformedKind?: 'json' | 'shape';
  /** Answer 429 with Retry-After `retryAfterSeconds` (default 1) regardless of the real rate. */
  readonly rateLimitStormRate?: number;
  readonly retryAfterSeconds?: number;
  /** Only these paths (after the `/uat-open-api` base): exact, or prefix when ending in `*`. Default: all. */
  readonly paths?: readonly string[];
  /** Only these methods. Default: all. */
  readonly methods?: readonly string[];
  /** Faults apply to the next `count` matching requests only, then clear themselves (e.g. a 5xx burst). */
  readonly count?: number;
  /** Seed for reproducible rates (default: Math.random). */
  readonly seed?: number;
  /** How long a "timeout" request is held before its socket is destroyed. Default 30 000 ms. */
  readonly hangMs?: number;
}

export interface FaultDecision {
  readonly latencyMs: number;
  readonly action: 'none' | 'error' | 'timeout' | 'storm';
  readonly dropAfterCommit: boolean;
  readonly malformed: false | 'json' | 'shape';
  /** Captured with the decision: a `count`-limited fault clears itself right after deciding. */
  readonly status: number;
  readonly message?: string;
  readonly echoBody: boolean;
  readonly retryAfterSeconds: number;
  readonly hangMs: number;
}

const NONE: FaultDecision = { latencyMs: 0, action: 'none', dropAfterCommit: false, malformed: false, status: 500, echoBody: false, retryAfterSeconds: 1, hangMs: 30_000 };

export class FaultInjector {
  private config: FaultConfig = {};
  private remaining: number | undefined;
  private random: () => number = Math.random;
  injected = 0;

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.remaining = config.count;
    this.random = config.seed === undefined ? Math.random : prng(config.seed);
  }

  get current(): FaultConfig & { remaining?: number } {
    return { ...this.config, ...(this.remaining !== undefined ? { remaining: this.remaining } : {}) };
  }

  private matches(method: string, path: string): boolean {
    const { paths, methods } = this.config;
    if (methods?.length && !methods.some((m) => m.toUpperCase() === method)) return false;
    if (paths?.length && !paths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p))) return false;
    return true;
  }

  decide(method: string, path: string): FaultDecision {
    if (Object.keys(this.config).length === 0 || !this.matches(method, path)) return NONE;
    if (this.remaining !== undefined) {
      if (this.remaining <= 0) return NONE;
      this.remaining -= 1;
    }
    const roll = (rate: number | undefined) => rate !== undefined && rate > 0 && this.random() < rate;
    const c = this.config;
    const action: FaultDecision['action'] = roll(c.rateLimitStormRate) ? 'storm' : roll(c.timeoutRate) ? 'timeout' : roll(c.errorRate) ? 'error' : 'none';
    const decision: FaultDecision = {
      latencyMs: c.latencyMs ?? 0,
      action,
      dropAfterCommit: action === 'none' && roll(c.dropAfterCommitRate),
      malformed: action === 'none' && roll(c.malformedRate) ? (c.malformedKind ?? 'json') : false,
      status: c.status ?? 500,
      ...(c.message !== undefined ? { message: c.message } : {}),
      echoBody: c.echoBody ?? false,
      retryAfterSeconds: c.retryAfterSeconds ?? 1,
      hangMs: c.hangMs ?? 30_000,
    };
    if (decision.action !== 'none' || decision.dropAfterCommit || decision.malformed || decision.latencyMs) this.injected += 1;
    if (this.remaining === 0) {
      this.config = {};
      this.remaining = undefined;
    }
    return decision;
  }
}
