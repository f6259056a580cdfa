/**
 * Readiness: every dependency answers. Each probe is bounded (2 s) and failures carry no internals beyond a
 * short reason, since /ready is public.
 */
export interface DependencyCheck {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface ReadinessProbes {
  readonly [name: string]: () => Promise<void>;
}

/** The bound of every probe: readiness answers within it whatever a dependency does. */
export const PROBE_TIMEOUT_MS = 2_000;

export async function checkReadiness(probes: ReadinessProbes): Promise<{ ready: boolean; checks: Record<string, DependencyCheck> }> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      const started = performance.now();
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref()),
        ]);
        return [name, { ok: true, latencyMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const reason = error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unavailable';
        return [name, { ok: false, latencyMs: Math.round(performance.now() - started), error: reason }] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, check]) => check.ok), checks };
}
