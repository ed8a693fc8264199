/**
 * The HTTP ceiling for a read: fastify with no plugins, hooks, logging or auth, answering the same
 * route with the same stored Patient JSON text. Started as a child process by baselines.ts with
 * PORT and BODY_FILE; whatever Pathways does per read costs the difference to this.
 *
 * With DATABASE_URL (and POOL) it reads the requested Patient's stored JSON from fhir_resource
 * with one query instead: the floor for a read that needs the database, on this machine.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env['PORT']);
const body = readFileSync(process.env['BODY_FILE'] ?? '', 'utf8');
const databaseUrl = process.env['DATABASE_URL'];
const pool = databaseUrl
  ? new pg.Pool({ connectionString: databaseUrl, max: Number(process.env['POOL'] ?? 20) })
  : undefined;

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get<{ Params: { id: string } }>('/fhir/R4/Patient/:id', async (request, reply) => {
  reply.header('content-type', 'application/fhir+json; charset=utf-8');
  if (!pool) return body;
  const result = await pool.query<{ content: string }>(
    'SELECT content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
    ['Patient', request.params.id],
  );
  const row = result.rows[0];
  if (!row) return reply.code(404).send('{}');
  return row.content;
});
process.once('SIGTERM', () => {
  app.close().then(async () => {
    await pool?.end();
    process.exit(0);
  });
});
await app.listen({ port, host: '127.0.0.1' });
