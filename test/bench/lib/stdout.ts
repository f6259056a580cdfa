/**
 * Takes over this process's stdout, where the functions write their JSON logs and EMF metrics (as on Lambda):
 * every complete line goes to `onLine` (if given), nothing is written, and `restore()` gives stdout back and returns
 * the bytes seen. Serialization still happens in the functions; only the write itself is replaced.
 */
export function interceptStdout(onLine?: (line: string) => void): { bytes(): number; resetBytes(): void; restore(): number } {
  const original = process.stdout.write;
  let bytes = 0;
  let partial = '';
  process.stdout.write = function write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (onLine) {
      const lines = (partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  } as typeof process.stdout.write;
  return {
    bytes: () => bytes,
    resetBytes: () => {
      bytes = 0;
    },
    restore() {
      process.stdout.write = original;
      return bytes;
    },
  };
}

/** The parsed JSON of a log line, or undefined. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
