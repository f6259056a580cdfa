/**
 * `npm run bench [-- --only cold-start,warm --scale full ...]`: runs the selected parts, each in its own process
 * (its own engines, platform and module state; a part that crashes or overruns does not take the others with it),
 * then renders BENCHMARKS.md and docs/cost-model.md from the latest result of every part.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { machineInfo } from './lib/machine';
import { applyCliFlags, PARTS, readOptions, type BenchOptions, type PartName } from './lib/options';
import { BENCH_DIR, PROJECT_ROOT, progress, readResult, resultFile, writeResult } from './lib/results';
import { BENCHMARKS_FILE, COST_MODEL_FILE, writeReport } from './report';

/** Upper bounds per part (a safety net: each part bounds its own work well below these). */
function partTimeoutSeconds(part: PartName, options: BenchOptions): number {
  switch (part) {
    case 'cold-start':
      return 180 + options.coldRuns * 120;
    case 'warm':
      return 240 + options.warmMaxSeconds + options.warmN / 200;
    case 'load':
      return 240 + options.loadConnections.length * 4 * (options.loadSeconds + 15);
    case 'abhi':
      return 300 + options.abhiTimeoutSeconds + options.abhiReads / 2;
    case 'cost':
      return 420 + options.costRequests * 6;
  }
}

async function runPart(part: PartName, options: BenchOptions): Promise<void> {
  fs.rmSync(resultFile(part), { force: true });
  const timeoutSeconds = partTimeoutSeconds(part, options);
  const started = performance.now();
  progress(`=== ${part} (bounded at ${Math.round(timeoutSeconds)} s)`);
  // A process group of its own, so that on overrun the part and its engines (Java, PostgreSQL) stop together.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'part.ts'), part], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  // The handlers' JSON logs (warnings go to stderr) are dropped; progress and plain errors are shown.
  let partial = '';
  let dropped = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      // The SDK's notice about the emulator's queue URL hosts is expected locally (infra/local/services/sqs-local.ts).
      if (line.startsWith('{') || line.trim() === '' || line.startsWith('npm warn') || line.startsWith('QueueUrl=http') || line.startsWith('Set [endpoint=string]')) dropped++;
      else process.stderr.write(`${line}\n`);
    }
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    progress(`${part}: over ${Math.round(timeoutSeconds)} s, stopping it`);
    try {
      process.kill(child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 30_000).unref();
  }, timeoutSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (!readResult(part)) {
    writeResult({
      part,
      status: 'failed',
      reason: timedOut ? `did not finish within ${Math.round(timeoutSeconds)} s` : `the part process exited with code ${code} before writing a result`,
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      durationSeconds: (performance.now() - started) / 1000,
      machine: machineInfo(),
      options,
    });
  }
  if (dropped > 0) progress(`${part}: ${dropped} log lines of the functions were not shown`);
}

async function main(): Promise<void> {
  applyCliFlags(process.argv.slice(2));
  const options = readOptions();
  const machine = machineInfo();
  progress(`machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage1m}`);
  progress(`parts: ${options.only.join(', ')}; scale ${options.scale}`);
  const started = performance.now();
  for (const part of PARTS) {
    if (options.only.includes(part)) await runPart(part, options);
  }
  writeReport();
  progress(`done in ${((performance.now() - started) / 60_000).toFixed(1)} min: ${path.relative(PROJECT_ROOT, BENCHMARKS_FILE)}, ${path.relative(PROJECT_ROOT, COST_MODEL_FILE)}`);
  for (const part of options.only) {
    const result = readResult(part);
    progress(`  ${part}: ${result?.status ?? 'missing'}${result?.reason ? ` — ${result.reason}` : ''}`);
  }
}

main().catch((error: unknown) => {
  progress(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
