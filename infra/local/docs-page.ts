import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type http from 'node:http';
import { API_PREFIX, ROUTES } from '#shared/routes';

/**
 * API docs for the local stack at /docs. The page itself is plain HTML, readable at once: how to get a local token,
 * a first request, and every route with who may call it. Swagger UI (served from the `swagger-ui-dist` package, no
 * CDN: the machine may be offline) loads below it, deferred, for trying requests out. `/` and `/docs/` lead here.
 */
export function docsRoutes(): Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const asset = (file: string, type: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'public, max-age=3600' });
    fs.createReadStream(path.join(dist, file)).pipe(res);
  };
  const rows = ROUTES.map(
    (route) =>
      `<tr><td><code>${route.method}</code></td><td><code>${escapeHtml(API_PREFIX + route.path)}</code></td><td>${escapeHtml(route.summary)}</td><td>${
        route.auth === 'jwt' ? escapeHtml(route.roles.join(', ')) : escapeHtml(route.auth)
      }</td></tr>`,
  ).join('');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Abhi EWA platform API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>body{font-family:system-ui,sans-serif;margin:0}main{max-width:960px;margin:0 auto;padding:1rem 1.5rem}
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
td{border-top:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}</style></head>
<body><main>
<h1>Abhi EWA platform API (local)</h1>
<p>Every route needs a bearer token from the local OIDC issuer. Get one in a terminal in this checkout:</p>
<pre>TOKEN=$(npm run -s token -- --role admin)
curl -H "Authorization: Bearer $TOKEN" ${API_PREFIX}/organizations   # prefix with this page's origin
TOKEN=$(npm run -s token -- --role hr_manager --org &lt;organizationId&gt;)
TOKEN=$(npm run -s token -- --role employee --org &lt;organizationId&gt; --employee &lt;employeeId&gt; --mfa)</pre>
<p>In the explorer below, press <b>Authorize</b> and paste the token. The OpenAPI document: <a href="${API_PREFIX}/openapi.json">${API_PREFIX}/openapi.json</a>; a Postman collection generated from it: <a href="${API_PREFIX}/postman-collection.json">${API_PREFIX}/postman-collection.json</a>.</p>
<details open><summary><b>Routes</b> (${ROUTES.length})</summary>
<table><tbody>${rows}</tbody></table></details>
</main>
<div id="docs"></div><script defer src="/docs/swagger-ui-bundle.js"></script>
<script defer src="/docs/init.js"></script></body></html>`;
  const redirect = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(302, { location: '/docs' });
    res.end();
  };
  const init = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#docs', persistAuthorization: true });`;
  return {
    '/': redirect,
    '/docs/': redirect,
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
