import type { FastifyInstance } from 'fastify';

export interface Readiness {
  /** Resolves with a list of what is not ready (empty = ready). */
  check(): Promise<string[]>;
}

export function registerHealth(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { rateLimit: false } }, async (_request, reply) => {
    const problems = await readiness.check().catch((error: Error) => [`check failed: ${error.message}`]);
    if (problems.length > 0) return reply.code(503).send({ status: 'unavailable', problems });
    return { status: 'ready' };
  });
}
