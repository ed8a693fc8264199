/**
 * The HTTP server shell every capability plugs into: security headers, request ids, logging,
 * load shedding, rate limits, body limits, errors as OperationOutcomes, health and request metrics
 * (served on their own listener, see metrics.ts).
 */
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { recordDeclaredAccess } from '../auth/fastify.js';
import type { Config } from '../config/config.js';
import type { PoolsStats } from '../database/database.js';
import { type RequestScope, runInRequestScope } from '../database/request-scope.js';
import { Problem } from '../errors/problem.js';
import { type Logger, requestChildLogger } from '../logging/logger.js';
import { registerNoStoreByDefault } from './cache-control.js';
import { registerErrorHandling } from './errors.js';
import { registerJsonParsers } from './fhir-json.js';
import { type Readiness, registerHealth } from './health.js';
import { registerRequestMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerSecurityHeaders, securityHeaderOptions } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Cancel the request's running query when its client goes away before the answer (searches):
     * the database stops working for nobody. Off elsewhere, where a query may serve more than one
     * request or must finish what it started.
     */
    cancelQueriesOnClose?: boolean;
  }
}

export interface HttpDeps {
  config: Pick<Config, 'bodyLimitBytes' | 'rateLimitPerMinute' | 'maxEventLoopDelayMs' | 'publicUrl'>;
  log: Logger;
  metrics: Registry;
  readiness: Readiness;
  poolStats: () => PoolsStats;
  /** The service's version, for the OpenAPI document. */
  version?: string;
}

const REQUEST_ID = /^[A-Za-z0-9\-_.:]{1,128}$/;

export async function createHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is fastify's logger; the cast only widens the generic so plugins type-check.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    requestIdHeader: false,
    // Keep a caller's X-Request-Id when it is sane, so a request can be followed across systems.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // One line per request (the onResponse hook below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) =>
      requestChildLogger(logger as Logger, bindings, options) as FastifyBaseLogger,
    // Draining answers 503 through our own hook below, so it is an OperationOutcome too.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  // First: every route, the shell's own too, is listed with the access it declares (route-access test).
  recordDeclaredAccess(app);
  registerErrorHandling(app);
  registerJsonParsers(app);
  enterRequestScope(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      throw new Problem('SERVICE_UNAVAILABLE', 'The service is shutting down; retry on another instance', {
        headers: { 'retry-after': '1' },
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });

  registerSecurityHeaders(app, securityHeaderOptions(deps.config.publicUrl));
  registerNoStoreByDefault(app);
  await app.register(underPressure, {
    maxEventLoopDelay: deps.config.maxEventLoopDelayMs,
    retryAfter: 5,
    exposeStatusRoute: false,
    pressureHandler: (_request, reply, type) => {
      reply.header('retry-after', '5');
      throw new Problem('SERVICE_UNAVAILABLE', `The service is overloaded (${type}); retry shortly`);
    },
  });
  await app.register(rateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new Problem('RATE_LIMITED', `Rate limit of ${context.max} requests a minute exceeded; retry later`, {
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  });

  // Before any route, so that every route's schema reaches the OpenAPI document.
  await registerOpenApi(app, { publicUrl: deps.config.publicUrl, version: deps.version ?? '0.0.0' });
  registerHealth(app, deps.readiness);
  registerRequestMetrics(app, deps.metrics, { poolStats: deps.poolStats });
  return app;
}

/**
 * Each request's statements run in its own scope (platform/database/request-scope.ts), which gives
 * them the statement timeout; first of the hooks, so that authentication's queries are in it too.
 * Routes that ask for it get a scope that also cancels their statements when the client leaves,
 * from their handler on only: what authentication loads may be shared with other requests.
 */
function enterRequestScope(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, _reply, done) => {
    runInRequestScope({}, done);
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (!request.routeOptions.config.cancelQueriesOnClose) return done();
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const scope: RequestScope = { signal: controller.signal };
    runInRequestScope(scope, done);
  });
}
