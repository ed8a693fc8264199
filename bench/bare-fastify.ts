/**
 * The HTTP ceiling for a read: fastify with no plugins, hooks, logging or database, answering the
 * same route with the same stored Patient JSON text. Started as a child process by baselines.ts
 * with PORT and BODY_FILE; whatever Pathways does per read costs the difference to this.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.env['PORT']);
const body = readFileSync(process.env['BODY_FILE'] ?? '', 'utf8');

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get<{ Params: { id: string } }>('/fhir/R4/Patient/:id', async (_request, reply) => {
  reply.header('content-type', 'application/fhir+json; charset=utf-8');
  return body;
});
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0));
});
await app.listen({ port, host: '127.0.0.1' });
