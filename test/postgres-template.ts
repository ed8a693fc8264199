/**
 * A migrated PostgreSQL database built once per set of migrations; each suite's database is created
 * from it (`CREATE DATABASE … TEMPLATE`, a file copy in the server) instead of running every
 * migration again. The name carries the same hash of the migrations as the PGlite template, so a
 * changed migration builds a new one. Nobody connects to the template once it is built (CREATE
 * DATABASE refuses a template that has sessions), and it is built aside and renamed into place, so
 * runs that start together on one server (CI, several checkouts) never see half of one.
 */
import pg from 'pg';
import { openDatabase } from '../src/platform/database/database.js';
import { migrate } from '../src/platform/database/migrate.js';
import { migrationsHash } from './pglite-template.js';

export function postgresTemplateName(): string {
  return `pathways_template_${migrationsHash()}`;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function exists(client: pg.Client, name: string): Promise<boolean> {
  const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (found.rowCount ?? 0) > 0;
}

function urlOf(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Builds the template on the server at `adminUrl` if it is not there; answers its name. */
export async function ensurePostgresTemplate(adminUrl: string): Promise<string> {
  const name = postgresTemplateName();
  if (await withAdmin(adminUrl, (client) => exists(client, name))) return name;
  const building = `${name}_${process.pid}_building`;
  await withAdmin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${building}`);
  });
  try {
    const db = await openDatabase({ databaseUrl: urlOf(adminUrl, building), dataDir: '', poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    await withAdmin(adminUrl, async (client) => {
      try {
        await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch (error) {
        // Another run renamed its own into place first (duplicate_database): that one serves.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    });
  } finally {
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`));
  }
  return name;
}
