import net from 'node:net';

/** A free TCP port on the loopback interface, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails fast, with the fix in one sentence, when a configured port is already taken. */
export async function assertPortFree(port: number, envVarName: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} is already in use: stop the process holding it or choose another port with ${envVarName}=<port>.`
            : `Port ${port} cannot be opened (${error.code}): choose another port with ${envVarName}=<port>.`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/**
 * Checks every configured port at once and fails with one sentence naming all that are taken (a second
 * `npm start` would otherwise learn about them one per try).
 */
export async function assertPortsFree(ports: Readonly<Record<string, number>>): Promise<void> {
  const results = await Promise.allSettled(Object.entries(ports).map(([name, port]) => assertPortFree(port, name)));
  const taken = Object.entries(ports).filter((_, index) => results[index]!.status === 'rejected');
  if (taken.length === 0) return;
  if (taken.length === 1) throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  throw new Error(
    `Ports ${taken.map(([name, port]) => `${port} (${name})`).join(', ')} are already in use (is another \`npm start\` running?): ` +
      `stop it or choose other ports, e.g. ${taken.map(([name, port]) => `${name}=${port + 100}`).join(' ')} npm start.`,
  );
}

/** Polls `probe` until it resolves or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${String(lastError)}`);
}
