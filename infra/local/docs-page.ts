import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type http from 'node:http';

/**
 * Interactive API docs for the local stack at /docs: Swagger UI served from the `swagger-ui-dist` package (no CDN,
 * the machine may be offline), reading the API's own /openapi.json.
 */
export function docsRoutes(): Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const asset = (file: string, type: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
    fs.createReadStream(path.join(dist, file)).pipe(res);
  };
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Abhi EWA platform API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="docs"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
  const init = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', persistAuthorization: true });`;
  return {
    '/docs': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    },
    '/docs/init.js': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(init);
    },
    '/docs/swagger-ui.css': asset('swagger-ui.css', 'text/css'),
    '/docs/swagger-ui-bundle.js': asset('swagger-ui-bundle.js', 'text/javascript'),
  };
}
