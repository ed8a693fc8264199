import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import * as D from './route-docs.js';

export interface Readiness {
  /** Resolves with a list of what is not ready (empty = ready). */
  check(): Promise<string[]>;
}

/** Liveness must answer under overload: shedding it would get a busy pod killed. */
export const NEVER_SHED = { rateLimit: false, pressureHandler: () => undefined } as const;

export function registerHealth(app: FastifyInstance, readiness: Readiness): void {
  // Under WORKERS=N the worker's number (not its pid) tells an operator which process answered.
  const alive = cluster.worker ? { status: 'ok', worker: cluster.worker.id } : { status: 'ok' };
  app.get(
    '/healthz',
    {
      config: { ...NEVER_SHED, access: 'public' },
      ...D.documented('operations', 'The process is alive', {
        responses: {
          200: D.object({ status: D.text(), worker: D.whole('the worker that answered, under WORKERS=N') }),
        },
      }),
    },
    async () => alive,
  );
  // Readiness is shed under overload on purpose: a load balancer should send traffic elsewhere.
  app.get(
    '/readyz',
    {
      config: { rateLimit: false, access: 'public' },
      ...D.documented('operations', 'Database reachable and migrations applied', {
        responses: {
          200: D.object({ status: D.text() }),
          503: D.object({ status: D.text(), problems: D.list(D.text()) }, [], 'Not ready, with the reasons'),
        },
      }),
    },
    async (_request, reply) => {
      const problems = await readiness.check().catch((error: Error) => [`check failed: ${error.message}`]);
      if (problems.length > 0) return reply.code(503).send({ status: 'unavailable', problems });
      return { status: 'ready' };
    },
  );
}
