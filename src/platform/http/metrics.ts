/**
 * Request metrics, and the Prometheus endpoint. `/metrics` tells anyone who can reach it the
 * routes, the load and the backlogs, so it is served openly only on `METRICS_PORT` (bound to
 * `METRICS_HOST`, loopback by default), which the scraper reaches and the internet does not. A
 * scraper that can reach only the public address uses `GET /metrics` there with an admin token
 * (Prometheus' `authorization` scrape setting); without one it is a 401 like every protected call.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolsStats } from '../database/database.js';
import type { Logger } from '../logging/logger.js';
import { registerNoStoreByDefault } from './cache-control.js';
import { registerErrorHandling } from './errors.js';
import * as D from './route-docs.js';

/** The request duration histogram and the pool gauge, observed on the public listener. */
export function registerRequestMetrics(
  app: FastifyInstance,
  registry: Registry,
  options: { poolStats: () => PoolsStats },
): void {
  const duration = new Histogram({
    name: 'pathways_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'pathways_db_pool_connections',
    help: 'Database pool connections by pool (request, background; embedded on PGlite) and state',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      for (const [pool, stats] of Object.entries(options.poolStats())) {
        this.set({ pool, state: 'total' }, stats.total);
        this.set({ pool, state: 'idle' }, stats.idle);
        this.set({ pool, state: 'waiting' }, stats.waiting);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids and query strings would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * The metrics listener: `GET /metrics` (Prometheus text) and nothing else. No rate limit or load
 * shedding (a scrape must answer when the service is busiest) and no request log lines.
 */
export function createMetricsServer(
  registry: { contentType: string; metrics(): Promise<string> },
  log: Logger,
): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  registerErrorHandling(app);
  registerNoStoreByDefault(app);
  // Open: this listener is on METRICS_PORT, for the operator's network only.
  app.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return app;
}

/** `GET /metrics` on the public listener [admin]; register it in a protected scope. */
export function publicMetricsRoute(registry: Registry) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.get(
      '/metrics',
      {
        config: { access: { roles: ['admin'] } },
        ...D.documented('operations', 'Prometheus metrics (an admin token; open on METRICS_PORT)', {
          bearer: true,
          produces: 'text/plain',
          responses: {
            200: D.text('Prometheus text exposition'),
            401: D.operationOutcome,
            403: D.operationOutcome,
          },
        }),
      },
      async (_request, reply) => {
        reply.header('content-type', registry.contentType);
        return registry.metrics();
      },
    );
  };
}
