import { postgresAdminUrl } from './databases.js';
import { ensureTemplate } from './pglite-template.js';
import { ensurePostgresTemplate } from './postgres-template.js';

/**
 * Builds the run's migrated templates once, before the workers start (each would otherwise build
 * its own on first use): PGlite's, and PostgreSQL's when a server is reachable.
 */
export default async function setup(): Promise<void> {
  await ensureTemplate();
  if (postgresAdminUrl) await ensurePostgresTemplate(postgresAdminUrl);
}
