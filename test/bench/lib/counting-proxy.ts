import http from 'node:http';
import { batchEntries } from '../../../infra/local/request-stats';

/**
 * A pass-through HTTP proxy on 127.0.0.1 that counts the AWS operations going to a local stand-in (the cost part's
 * accounting pass): JSON-protocol services name the operation in `X-Amz-Target` (DynamoDB, SQS, Secrets Manager),
 * query-protocol ones (SNS) in the `Action` form field.
 */
export interface CountingProxy {
  readonly url: string;
  /** Operation → calls since the last reset. */
  counts(): Record<string, number>;
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let counts: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(req, body);
      counts[operation] = (counts[operation] ?? 0) + 1;
      // Batch operations: also count their entries (`DeleteMessageBatch#entries` = messages deleted).
      const entries = batchEntries(body);
      if (entries !== undefined) counts[`${operation}#entries`] = (counts[`${operation}#entries`] ?? 0) + entries;
      const upstream = http.request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: targetUrl.host },
          agent,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

function operationOf(req: http.IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target) return target.split('.').pop() ?? target;
  const contentType = String(req.headers['content-type'] ?? '');
  if (contentType.includes('x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return action;
  }
  return `${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://x').pathname}`;
}
