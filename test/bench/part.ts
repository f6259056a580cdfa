/**
 * Runs ONE bench part in this process (run.ts starts one process per part, so each part gets its own platform,
 * module state and environment) and writes test/bench/results/<part>.json. Usage: tsx test/bench/part.ts <part>.
 */
import { machineInfo } from './lib/machine';
import { PARTS, readOptions, type PartName } from './lib/options';
import { errorText, progress, runCleanups, writeResult, type PartResult } from './lib/results';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    progress(`${process.argv[2]}: ${signal}: stopping the engines`);
    void runCleanups().finally(() => process.exit(130));
  });
}

async function runPart(part: PartName): Promise<unknown> {
  const options = readOptions();
  switch (part) {
    case 'cold-start':
      return (await import('./parts/cold-start')).runColdStart(options);
    case 'warm':
      return (await import('./parts/warm-overhead')).runWarmOverhead(options);
    case 'load':
      return (await import('./parts/load')).runLoad(options);
    case 'abhi':
      return (await import('./parts/abhi')).runAbhi(options);
    case 'cost':
      return (await import('./parts/cost')).runCost(options);
  }
}

async function main(): Promise<void> {
  const part = process.argv[2] as PartName;
  if (!(PARTS as readonly string[]).includes(part)) throw new Error(`Usage: tsx test/bench/part.ts <${PARTS.join('|')}>`);
  const options = readOptions();
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const base = { part, startedAt, machine, options };
  let result: PartResult;
  try {
    const data = await runPart(part);
    result = { ...base, status: 'ok', durationSeconds: (performance.now() - started) / 1000, data };
  } catch (error) {
    const skipped = error instanceof Error && error.name === 'SkipPart';
    progress(`${part}: ${skipped ? 'skipped' : 'failed'}: ${errorText(error)}`);
    if (!skipped && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    const data = error instanceof Error && 'partial' in error ? (error as { partial: unknown }).partial : undefined;
    result = {
      ...base,
      status: skipped ? 'skipped' : 'failed',
      reason: error instanceof Error ? error.message : String(error),
      durationSeconds: (performance.now() - started) / 1000,
      ...(data ? { data } : {}),
    };
  }
  writeResult({ ...result, loadAverageAfter1m: machineInfo().loadAverage1m });
  progress(`${part}: ${result.status} in ${result.durationSeconds.toFixed(0)} s`);
}

main().then(
  // Handlers keep sockets and pools open; the part is over.
  () => process.exit(0),
  (error: unknown) => {
    progress(`part crashed: ${errorText(error)}`);
    process.exit(1);
  },
);
