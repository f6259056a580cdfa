/**
 * Bench options. Every option is an environment variable (`BENCH_*`) and a CLI flag of `npm run bench --` (the flag
 * `--cold-runs 7` sets `BENCH_COLD_RUNS=7`); `BENCH_SCALE` picks the defaults of the others.
 */
export const PARTS = ['cold-start', 'warm', 'load', 'abhi', 'cost'] as const;
export type PartName = (typeof PARTS)[number];

export type Scale = 'quick' | 'default' | 'full';

export interface BenchOptions {
  readonly scale: Scale;
  readonly only: readonly PartName[];
  /** Fresh Node processes per function for the cold-start proxy (at least 5). */
  readonly coldRuns: number;
  /** Regular expression on entries (e.g. `employees/`) to bundle and measure only some functions. */
  readonly coldFilter?: string;
  /** Invocations per variant of the warm-overhead part (CPU-only and DynamoDB Local variants alike). */
  readonly warmN: number;
  /** Time cap of the DynamoDB Local family of the warm part (it stops at a block boundary and reports its N). */
  readonly warmMaxSeconds: number;
  /** Seconds per (scenario × concurrency) of the load part, after a warm-up. */
  readonly loadSeconds: number;
  readonly loadConnections: readonly number[];
  readonly abhiAdvances: number;
  readonly abhiReads: number;
  /** Upper bound for the Abhi part to see every advance finish. */
  readonly abhiTimeoutSeconds: number;
  /** Sequential requests per kind in the cost part's accounting pass. */
  readonly costRequests: number;
}

export const PRESETS: Record<Scale, Omit<BenchOptions, 'scale' | 'only' | 'coldFilter'>> = {
  quick: { coldRuns: 5, warmN: 2_000, warmMaxSeconds: 40, loadSeconds: 3, loadConnections: [1, 10], abhiAdvances: 30, abhiReads: 300, abhiTimeoutSeconds: 120, costRequests: 20 },
  default: { coldRuns: 5, warmN: 10_000, warmMaxSeconds: 120, loadSeconds: 5, loadConnections: [1, 10, 50], abhiAdvances: 100, abhiReads: 1_000, abhiTimeoutSeconds: 240, costRequests: 40 },
  full: { coldRuns: 10, warmN: 30_000, warmMaxSeconds: 1_200, loadSeconds: 15, loadConnections: [1, 10, 50, 100], abhiAdvances: 1_000, abhiReads: 5_000, abhiTimeoutSeconds: 1_200, costRequests: 100 },
};

/** Turns `--name value` / `--name=value` flags into `BENCH_NAME` variables (flags win over the environment). */
export function applyCliFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument "${arg}": options are --name value (see BENCHMARKS.md).`);
    const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) value = 'true';
      else {
        value = next;
        i++;
      }
    }
    env[`BENCH_${rawName.replace(/-/g, '_').toUpperCase()}`] = value;
  }
}

export function readOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const scaleText = (env.BENCH_SCALE ?? 'default').trim();
  if (!['quick', 'default', 'full'].includes(scaleText)) throw new Error(`BENCH_SCALE must be quick, default or full, not "${scaleText}".`);
  const scale = scaleText as Scale;
  const preset = PRESETS[scale];
  const int = (name: string, fallback: number, min: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, not "${text}".`);
    return value;
  };
  const onlyText = env.BENCH_ONLY?.trim();
  const only = onlyText ? onlyText.split(',').map((s) => s.trim()).filter(Boolean) : [...PARTS];
  for (const part of only) {
    if (!(PARTS as readonly string[]).includes(part)) throw new Error(`Unknown part "${part}" in --only: choose from ${PARTS.join(', ')}.`);
  }
  const connectionsText = env.BENCH_LOAD_CONNECTIONS?.trim();
  const loadConnections = connectionsText ? connectionsText.split(',').map((s) => Number(s.trim())) : preset.loadConnections;
  if (loadConnections.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) {
    throw new Error(`BENCH_LOAD_CONNECTIONS must be a comma-separated list of integers 1..1000, not "${connectionsText}".`);
  }
  return {
    scale,
    only: only as PartName[],
    coldRuns: int('BENCH_COLD_RUNS', preset.coldRuns, 5),
    coldFilter: env.BENCH_COLD_FILTER?.trim() || undefined,
    warmN: int('BENCH_WARM_N', preset.warmN, 100),
    warmMaxSeconds: int('BENCH_WARM_MAX_SECONDS', preset.warmMaxSeconds, 5),
    loadSeconds: int('BENCH_LOAD_SECONDS', preset.loadSeconds, 1),
    loadConnections,
    abhiAdvances: int('BENCH_ABHI_ADVANCES', preset.abhiAdvances, 1),
    abhiReads: int('BENCH_ABHI_READS', preset.abhiReads, 0),
    abhiTimeoutSeconds: int('BENCH_ABHI_TIMEOUT_SECONDS', preset.abhiTimeoutSeconds, 10),
    costRequests: int('BENCH_COST_REQUESTS', preset.costRequests, 5),
  };
}
