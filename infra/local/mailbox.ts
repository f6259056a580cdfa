import type http from 'node:http';
import { getPool } from '#shared/db/pool';

/**
 * The local mailbox at `GET /__local/mailbox`: what the notifications consumer "sent" (locally it sends nothing and
 * records every message in the `notifications` table). Newest first; `?recipient=` and `?eventType=` filter,
 * `?limit=` (≤ 200, default 50). A local-stack page only: it is not in the route table and never deployed.
 */
export function mailboxRoutes(): Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
  return {
    '/__local/mailbox': (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit')) || 50));
      getPool()
        .query(
          `SELECT event_type AS "eventType", channel, recipient, subject, body, status, employee_id AS "employeeId",
                  organization_id AS "organizationId", created_at AS "createdAt"
             FROM notifications
            WHERE ($1::text IS NULL OR recipient = $1) AND ($2::text IS NULL OR event_type = $2)
            ORDER BY created_at DESC, id
            LIMIT $3`,
          [url.searchParams.get('recipient'), url.searchParams.get('eventType'), limit],
        )
        .then(({ rows }) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
          res.end(JSON.stringify({ items: rows }));
        })
        .catch((error: unknown) => {
          res.writeHead(503, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'about:blank', title: 'Mailbox unavailable', status: 503, detail: error instanceof Error ? error.message : String(error) }));
        });
    },
  };
}
