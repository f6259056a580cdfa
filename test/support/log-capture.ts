/**
 * Captures everything this worker writes to stdout/stderr or the console — the in-process handlers, authorizer,
 * consumers and workflow tasks — until `stop()`, for tests that scan the logs (secrets, personal data).
 */
export function captureProcessOutput(): { text(): string; stop(): void } {
  const captured: string[] = [];
  const restore: (() => void)[] = [];
  const record = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    return true;
  };
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = record as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    (console as any)[method] = (...args: unknown[]) => void record(`${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`);
    restore.push(() => ((console as any)[method] = original));
  }
  return { text: () => captured.join(''), stop: () => restore.splice(0).forEach((undo) => undo()) };
}
