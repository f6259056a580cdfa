import type {
  BreakerSnapshot,
  CircuitBreakerStore,
  LoginRejection,
  ResponseCache,
  StoredToken,
  TokenRecord,
  TokenStore,
} from './ports';
import { InMemoryTokenBucketStore } from '#shared/rate-limit/token-bucket';
import { FleetRateLimiter } from './rate-limiter';

/**
 * Single-process implementations of the ports, with the same semantics as the DynamoDB ones. They coordinate only
 * the clients of one process: fine for scripts and tools, wrong for Lambda (use `./dynamodb-adapters` there).
 */

export class MemoryTokenStore implements TokenStore {
  private record: { token?: StoredToken; lease?: { owner: string; until: number }; rejection?: LoginRejection; version: number } = { version: 0 };

  async read(): Promise<TokenRecord> {
    return { token: this.record.token, lease: this.record.lease, rejection: this.record.rejection };
  }
  async tryAcquireLease(owner: string, untilMs: number, nowMs: number) {
    const lease = this.record.lease;
    if (lease && lease.until >= nowMs) return { acquired: false, record: await this.read() };
    this.record.lease = { owner, until: untilMs };
    return { acquired: true, record: await this.read() };
  }
  async publishToken(owner: string, token: Omit<StoredToken, 'version'>) {
    if (this.record.lease?.owner !== owner) return undefined;
    this.record.version += 1;
    this.record.token = { ...token, version: this.record.version };
    this.record.lease = undefined;
    this.record.rejection = undefined;
    return this.record.token;
  }
  async recordRejection(owner: string, rejection: LoginRejection) {
    if (this.record.lease?.owner !== owner) return;
    this.record.rejection = rejection;
    this.record.lease = undefined;
  }
  async releaseLease(owner: string) {
    if (this.record.lease?.owner === owner) this.record.lease = undefined;
  }
  async clearToken(version: number) {
    if (this.record.token?.version === version) this.record.token = undefined;
  }
  async clearRejection() {
    this.record.rejection = undefined;
  }
}

/** The fleet's bucket in one process (the same GCRA as `DynamoRateLimiter`, unsharded: no item to be hot). */
export class MemoryRateLimiter extends FleetRateLimiter {
  constructor(options: { ratePerSecond: number; burst: number; interactiveReserve?: number }, now: () => number = Date.now) {
    super(new InMemoryTokenBucketStore(), { ...options, key: 'ABHI#RATE', now });
  }
}

export class MemoryCircuitBreakerStore implements CircuitBreakerStore {
  private readonly breakers = new Map<string, BreakerSnapshot>();

  private get(group: string): BreakerSnapshot {
    let snapshot = this.breakers.get(group);
    if (!snapshot) {
      snapshot = { state: 'closed', generation: 0, window: {}, openUntil: 0, trialsStarted: 0, trialSuccesses: 0, halfOpenAt: 0 };
      this.breakers.set(group, snapshot);
    }
    return snapshot;
  }
  private put(group: string, snapshot: BreakerSnapshot): BreakerSnapshot {
    this.breakers.set(group, snapshot);
    return { ...snapshot, window: { ...snapshot.window } };
  }

  async load(group: string) {
    const s = this.get(group);
    return { ...s, window: { ...s.window } };
  }
  async record(group: string, generation: number, key: string, success: boolean, removeKeys: readonly string[]) {
    const s = this.get(group);
    if (s.state !== 'closed' || s.generation !== generation) return null;
    const window = { ...s.window, [key]: success };
    for (const k of removeKeys) delete window[k];
    return this.put(group, { ...s, window });
  }
  async open(group: string, generation: number, openUntil: number) {
    const s = this.get(group);
    if (s.generation !== generation || s.state === 'open') return null;
    return this.put(group, { ...s, state: 'open', openUntil, generation: generation + 1, window: {}, trialsStarted: 0, trialSuccesses: 0 });
  }
  async startHalfOpen(group: string, generation: number, now: number) {
    const s = this.get(group);
    if (s.generation !== generation || !((s.state === 'open' && s.openUntil <= now) || s.state === 'half_open')) return null;
    return this.put(group, { ...s, state: 'half_open', generation: generation + 1, trialsStarted: 1, trialSuccesses: 0, halfOpenAt: now });
  }
  async acquireTrial(group: string, generation: number, maxTrials: number) {
    const s = this.get(group);
    if (s.generation !== generation || s.state !== 'half_open' || s.trialsStarted >= maxTrials) return null;
    return this.put(group, { ...s, trialsStarted: s.trialsStarted + 1 });
  }
  async releaseTrial(group: string, generation: number) {
    const s = this.get(group);
    if (s.generation === generation && s.state === 'half_open' && s.trialsStarted > 0) this.put(group, { ...s, trialsStarted: s.trialsStarted - 1 });
  }
  async recordTrialSuccess(group: string, generation: number) {
    const s = this.get(group);
    if (s.generation !== generation || s.state !== 'half_open') return null;
    return this.put(group, { ...s, trialSuccesses: s.trialSuccesses + 1 });
  }
  async close(group: string, generation: number) {
    const s = this.get(group);
    if (s.generation !== generation || s.state !== 'half_open') return null;
    return this.put(group, { ...s, state: 'closed', generation: generation + 1, window: {}, trialsStarted: 0, trialSuccesses: 0 });
  }
}

export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, { value: string; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(kind: string, key: string) {
    const entry = this.entries.get(`${kind}\u0000${key}`);
    if (!entry || entry.expiresAtMs <= this.now()) return undefined;
    return JSON.parse(entry.value) as unknown;
  }
  async set(kind: string, key: string, value: unknown, ttlMs: number) {
    this.entries.set(`${kind}\u0000${key}`, { value: JSON.stringify(value), expiresAtMs: this.now() + ttlMs });
  }
  async invalidate(kind: string, keyPrefix = '') {
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${kind}\u0000${keyPrefix}`)) this.entries.delete(k);
  }
}
