/**
 * The `pathways` command line as an operator meets it (docs/api.md §1): configuration
 * errors, `migrate`, `audit verify` on an intact and on a tampered chain, and usage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/database/database.js';
import { listMigrations } from '../../src/platform/database/migrate.js';
import { databaseKinds } from '../databases.js';
import { httpRequest } from './http.js';
import { patientWith } from './load.js';
import { createProcessDatabase, type ProcessDatabase } from './process-database.js';
import { freePort, killAll, runPathways, startServer } from './server-process.js';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('pathways CLI without a database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pathways-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.concurrent.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['NATS_URL', 'http://x'],
    ['METRICS_PORT', 'abc'],
  ])('stops with one stderr line naming %s when it is bad', async (variable, value) => {
    const result = await runPathways(['serve'], { url: undefined, dataDir }, { [variable]: value });
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.signal).toBeNull();
    expect(lines(result.stderr)).toHaveLength(1);
    expect(lines(result.stderr)[0]).toContain(variable);
  });

  it.concurrent('says what totp needs when the secret is missing', async () => {
    const result = await runPathways(['totp'], { url: undefined, dataDir });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual(['pathways: totp needs the base32 secret: pathways totp SECRET']);
  });

  it.concurrent('rejects an unknown command with a non-zero exit and the usage', async () => {
    const result = await runPathways(['frobnicate'], { url: undefined, dataDir });
    expect(result.code).not.toBe(0);
    expect(result.signal).toBeNull();
    expect(result.stderr).toContain('frobnicate');
    expect(result.stderr).toContain('usage: pathways <command>');
  });
});

describe.each(databaseKinds)('pathways CLI on %s', (kind) => {
  let database: ProcessDatabase | undefined;

  afterEach(async () => {
    await killAll();
    await database?.dispose();
    database = undefined;
  });

  it(
    'migrate applies every migration once, then reports the database up to date',
    {
      timeout: 90_000,
    },
    async () => {
      const test = await createProcessDatabase(kind, { migrated: false });
      database = test;
      const first = await runPathways(['migrate'], test);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout.trim()).toBe(
        `applied: ${listMigrations()
          .map((migration) => migration.id)
          .join(', ')}`,
      );
      const second = await runPathways(['migrate'], test);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim()).toBe('database is up to date');
    },
  );

  it(
    'serves /metrics openly on METRICS_PORT only (a token on the public port); audit verify passes on the chain the server wrote and names the altered record',
    {
      timeout: 120_000,
    },
    async () => {
      const test = await createProcessDatabase(kind, { migrated: true });
      database = test;
      const metricsPort = await freePort();
      const server = await startServer(test, { env: { METRICS_PORT: String(metricsPort) } });
      // Metrics are open on their own listener; the public one asks for a token.
      const anonymous = await fetch(`${server.baseUrl}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('pathways_');
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('pathways_http_request_duration_seconds');
      // Creates and reads of Patients are audited: six records.
      for (const value of ['a', 'b', 'c']) {
        const created = await httpRequest(server.baseUrl, {
          path: '/fhir/R4/Patient',
          body: patientWith('https://example.org/audit-cli', value),
        });
        expect(created.status, created.body).toBe(201);
        const read = await httpRequest(server.baseUrl, {
          path: `/fhir/R4/Patient/${JSON.parse(created.body).id}`,
        });
        expect(read.status).toBe(200);
      }
      if (kind === 'postgres') {
        // The contract: the CLI works while the server runs on PostgreSQL.
        const live = await runPathways(['audit', 'verify'], test);
        expect(live.code, live.stdout + live.stderr).toBe(0);
      } else {
        // PGlite's folder has one owner: a command that would write to (or judge) the folder the
        // server holds is refused with one line, instead of its work being silently lost.
        for (const command of [
          ['audit', 'verify'],
          ['user', 'add', '--username', 'lost', '--role', 'admin'],
        ]) {
          const refused = await runPathways(command, test);
          expect(refused.code, refused.stdout).not.toBe(0);
          expect(refused.stdout).toBe('');
          expect(lines(refused.stderr)).toEqual([
            expect.stringMatching(/in use by another process \(pid \d+\)/),
          ]);
        }
      }
      // The records are committed before the responses, but stopping also proves nothing is pending;
      // and PGlite's folder can only be opened once the server has let go of it.
      expect((await server.terminate()).code).toBe(0);

      const intact = await runPathways(['audit', 'verify'], test);
      expect(intact.code, intact.stdout + intact.stderr).toBe(0);
      expect(intact.stdout).toMatch(/intact/);
      const count = Number(/(\d+) record/.exec(intact.stdout)?.[1]);
      expect(count).toBeGreaterThanOrEqual(6);

      // An attacker with superuser rights bypasses the append-only trigger and edits one record.
      const db = await openDatabase({ databaseUrl: test.url, dataDir: test.dataDir, poolSize: 1 });
      const altered = await db
        .transaction(async (tx) => {
          await tx.query('SET LOCAL session_replication_role = replica');
          return tx.query(
            `UPDATE audit_event SET content = jsonb_set(content::jsonb, '{outcome}', '"8"')::text WHERE seq = 3`,
          );
        })
        .finally(() => db.close());
      expect(altered.rowCount).toBe(1);

      const broken = await runPathways(['audit', 'verify'], test);
      expect(broken.code).not.toBe(0);
      expect(broken.signal).toBeNull();
      const output = lines(broken.stdout + broken.stderr);
      expect(output).toHaveLength(1);
      expect(output[0]).toMatch(/\bseq 3\b/);
    },
  );
});
