import { randomBytes } from 'node:crypto';
import type { BreakerSnapshot, CircuitBreakerStore } from './ports';

/**
 * Circuit breaker per Abhi operation group with state shared by the fleet (`CircuitBreakerStore`).
 *
 * - closed: every outcome goes into a rolling window (one UpdateItem per call). Once at least `minimumCalls` of the
 *   newest `windowSize` outcomes are recorded and ≥ `failureRateThreshold` of them failed, the breaker opens.
 * - open: calls fail at once (from the in-memory copy of the state, refreshed at most every `stateCacheMs`) until
 *   `openDurationMs` has passed.
 * - half-open: up to `halfOpenTrials` calls are let through fleet-wide; that many successes close the breaker, any
 *   failure re-opens it. Trial permits lost with a crashed instance are reclaimed after `openDurationMs`.
 * Every write is conditional on the `generation` it saw, so concurrent instances cannot undo each other's transition.
 */
export interface CircuitBreakerOptions {
  /** Rolling window of the last N outcomes. Default 10. */
  readonly windowSize?: number;
  /** Outcomes needed before deciding. Default 5. */
  readonly minimumCalls?: number;
  /** Failure share that opens the breaker. Default 0.5. */
  readonly failureRateThreshold?: number;
  /** Default 30 000 ms. */
  readonly openDurationMs?: number;
  /** Default 3. */
  readonly halfOpenTrials?: number;
  /** How long an instance trusts its copy of the state. Default 1 000 ms. */
  readonly stateCacheMs?: number;
}

/** success: Abhi answered (2xx or an ordinary 4xx). failure: 5xx, network, timeout, malformed. ignored: not counted. */
export type CallOutcome = 'success' | 'failure' | 'ignored';

export interface BreakerPermit {
  readonly group: string;
  readonly kind: 'normal' | 'trial';
  complete(outcome: CallOutcome): Promise<void>;
}

export type BreakerDecision =
  | { readonly allowed: true; readonly permit: BreakerPermit; readonly state: BreakerSnapshot['state'] }
  | { readonly allowed: false; readonly retryAfterMs: number; readonly state: BreakerSnapshot['state'] };

export interface BreakerEvents {
  opened?(group: string): void;
  closed?(group: string): void;
}

export class CircuitBreaker {
  private readonly windowSize: number;
  private readonly minimumCalls: number;
  private readonly threshold: number;
  readonly openDurationMs: number;
  private readonly halfOpenTrials: number;
  private readonly stateCacheMs: number;
  private readonly cached = new Map<string, { snapshot: BreakerSnapshot; at: number }>();

  constructor(
    private readonly store: CircuitBreakerStore,
    options: CircuitBreakerOptions = {},
    private readonly now: () => number = Date.now,
    private readonly events: BreakerEvents = {},
  ) {
    this.windowSize = options.windowSize ?? 10;
    this.minimumCalls = options.minimumCalls ?? 5;
    this.threshold = options.failureRateThreshold ?? 0.5;
    this.openDurationMs = options.openDurationMs ?? 30_000;
    this.halfOpenTrials = options.halfOpenTrials ?? 3;
    this.stateCacheMs = options.stateCacheMs ?? 1_000;
  }

  private remember(group: string, snapshot: BreakerSnapshot): void {
    this.cached.set(group, { snapshot, at: this.now() });
  }

  private async snapshot(group: string, fresh: boolean): Promise<BreakerSnapshot> {
    const entry = this.cached.get(group);
    if (!fresh && entry && this.now() - entry.at < this.stateCacheMs) return entry.snapshot;
    const snapshot = await this.store.load(group);
    this.remember(group, snapshot);
    return snapshot;
  }

  /** Current state as this instance sees it (possibly up to `stateCacheMs` old). */
  async state(group: string): Promise<BreakerSnapshot> {
    return this.snapshot(group, false);
  }

  async acquire(group: string): Promise<BreakerDecision> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const s = await this.snapshot(group, attempt > 0);
      const now = this.now();
      if (s.state === 'closed') return { allowed: true, permit: this.normalPermit(group, s.generation), state: s.state };
      if (s.state === 'open') {
        if (now < s.openUntil) return { allowed: false, retryAfterMs: s.openUntil - now, state: s.state };
        const half = await this.store.startHalfOpen(group, s.generation, now);
        if (half) {
          this.remember(group, half);
          return { allowed: true, permit: this.trialPermit(group, half.generation), state: 'half_open' };
        }
        continue;
      }
      // half-open
      if (s.trialsStarted < this.halfOpenTrials) {
        const trial = await this.store.acquireTrial(group, s.generation, this.halfOpenTrials);
        if (trial) {
          this.remember(group, trial);
          return { allowed: true, permit: this.trialPermit(group, trial.generation), state: s.state };
        }
        continue;
      }
      if (now - s.halfOpenAt > this.openDurationMs) {
        // The trial round never concluded (its instances died): start a new one.
        const half = await this.store.startHalfOpen(group, s.generation, now);
        if (half) {
          this.remember(group, half);
          return { allowed: true, permit: this.trialPermit(group, half.generation), state: s.state };
        }
        continue;
      }
      return { allowed: false, retryAfterMs: 1_000, state: s.state };
    }
    return { allowed: false, retryAfterMs: 1_000, state: 'half_open' };
  }

  private normalPermit(group: string, generation: number): BreakerPermit {
    let done = false;
    return {
      group,
      kind: 'normal',
      complete: async (outcome) => {
        if (done || outcome === 'ignored') return;
        done = true;
        const now = this.now();
        const key = `${now.toString().padStart(15, '0')}-${randomBytes(3).toString('hex')}`;
        const known = this.cached.get(group)?.snapshot;
        const removeKeys = known && known.generation === generation ? newestFirst(known.window).slice(this.windowSize - 1) : [];
        const updated = await this.store.record(group, generation, key, outcome === 'success', removeKeys);
        if (!updated) {
          this.cached.delete(group);
          return;
        }
        this.remember(group, updated);
        const recent = newestFirst(updated.window).slice(0, this.windowSize);
        const failures = recent.filter((k) => updated.window[k] === false).length;
        if (recent.length >= this.minimumCalls && failures / recent.length >= this.threshold) {
          const opened = await this.store.open(group, updated.generation, now + this.openDurationMs);
          if (opened) {
            this.remember(group, opened);
            this.events.opened?.(group);
          } else {
            this.cached.delete(group);
          }
        }
      },
    };
  }

  private trialPermit(group: string, generation: number): BreakerPermit {
    let done = false;
    return {
      group,
      kind: 'trial',
      complete: async (outcome) => {
        if (done) return;
        done = true;
        if (outcome === 'ignored') {
          await this.store.releaseTrial(group, generation);
          return;
        }
        if (outcome === 'failure') {
          const opened = await this.store.open(group, generation, this.now() + this.openDurationMs);
          if (opened) {
            this.remember(group, opened);
            this.events.opened?.(group);
          } else this.cached.delete(group);
          return;
        }
        const updated = await this.store.recordTrialSuccess(group, generation);
        if (!updated) {
          this.cached.delete(group);
          return;
        }
        this.remember(group, updated);
        if (updated.trialSuccesses >= this.halfOpenTrials) {
          const closed = await this.store.close(group, generation);
          if (closed) {
            this.remember(group, closed);
            this.events.closed?.(group);
          } else this.cached.delete(group);
        }
      },
    };
  }
}

function newestFirst(window: Readonly<Record<string, boolean>>): string[] {
  return Object.keys(window).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}
