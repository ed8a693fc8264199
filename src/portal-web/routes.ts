/**
 * Serves the built patient and service-desk portal (web/, built into dist/web):
 *   /assets/*     hashed files, cached for a year (a new build has new names)
 *   /favicon.svg  cached for a day
 *   / and every other page path  index.html (no-cache, ETag), so deep links and reloads work
 * Without a build every page answers 503 with a page saying to run `npm run build`.
 * The server's security headers (CSP: scripts and styles from 'self' only) apply unchanged.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../platform/errors/problem.js';
import { acceptsHtml, isClientRoute } from './client-route.js';
import { indexPage } from './index-page.js';

const YEAR_S = 31_536_000;
const DAY_S = 86_400;

export const NOT_BUILT_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Portal not built – Pathways</title></head>
<body>
<main>
<h1>The Pathways portal has not been built</h1>
<p>The web app is missing from this server. Run <code>npm run build</code> (or <code>npm run build:web</code>) and reload this page.</p>
<p>The APIs work without it: <a href="/fhir/R4/metadata">/fhir/R4/metadata</a>.</p>
</main>
</body>
</html>
`;

export interface PortalWebOptions {
  dir: string;
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query >= 0 ? request.url.slice(0, query) : request.url;
}

export async function portalWebRoutes(app: FastifyInstance, options: PortalWebOptions): Promise<void> {
  const index = indexPage(options.dir);

  await app.register(fastifyStatic, {
    root: path.join(options.dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    serveDotFiles: false,
    cacheControl: true,
    maxAge: YEAR_S * 1000,
    immutable: true,
  });

  // The web app's shell is public; what it shows comes from the API with the user's token.
  const open = { config: { access: 'public' } } as const;
  app.get('/favicon.svg', open, async (_request, reply) => {
    const body = await readFile(path.join(options.dir, 'favicon.svg')).catch(() => undefined);
    if (!body) return reply.callNotFound();
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', `public, max-age=${DAY_S}`)
      .send(body);
  });

  async function serveApp(request: FastifyRequest, reply: FastifyReply) {
    const requested = pathOf(request);
    if (!isClientRoute(requested) || !acceptsHtml(request.headers.accept)) {
      throw notFound(`No route for ${request.method} ${requested}`);
    }
    const page = await index.current();
    if (!page) {
      return reply
        .code(503)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT_HTML);
    }
    reply.header('etag', page.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === page.etag) return reply.code(304).send();
    return reply.header('content-type', 'text/html; charset=utf-8').send(page.html);
  }

  app.get('/', open, serveApp);
  app.get('/*', open, serveApp);
}
