/**
 * A large store, CI-sized (20,000 resources), on both databases: an export in many batches and
 * several files writes each resource exactly once, and a view over the store streams a row for
 * each. (bench/suites/export.ts measures 1,000,000.)
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { declaredResourceRules } from '../../../test/support/platform/declared-rules.js';
import { createLogger } from '../../platform/logging/logger.js';
import { pseudonymFunction } from '../pseudonymise/pseudonym-key.js';
import { runView } from '../views/view-run.js';
import { exportTypesOf, parseExportRequest } from './export-request.js';
import { ExportRunner, exportFolder } from './export-run.js';
import { insertExport, listFiles } from './export-store.js';

/** The types as the capabilities declare them (what the analytics capability passes its routes). */
const TYPES = exportTypesOf(declaredResourceRules());

const TOTAL = 20_000;

describe.each(databaseKinds)('a large export on %s', (kind) => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dir = await mkdtemp(path.join(os.tmpdir(), 'pathways-export-large-'));
    await database.db.query(
      `INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'MedicationRequest', 'mr-' || lpad(n::text, 6, '0'), 1, now() - interval '1 hour', false,
         json_build_object('resourceType', 'MedicationRequest', 'id', 'mr-' || lpad(n::text, 6, '0'),
           'status', 'active', 'intent', 'order', 'subject', json_build_object('reference', 'Patient/p' || (n % 100)))::text
       FROM generate_series(1, $1::int) AS n`,
      [TOTAL],
    );
  }, 120_000);

  afterAll(async () => {
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes every resource exactly once across files and slices', async () => {
    const id = randomUUID();
    const request = parseExportRequest(TYPES, 'system', new URLSearchParams('_type=MedicationRequest'), {
      roles: ['admin'],
    });
    await database.db.transaction((tx) =>
      insertExport(tx, { id, request, patientIds: undefined, requestUrl: 'x', requestedBy: 'test' }),
    );
    const runner = new ExportRunner({
      db: database.db,
      log: createLogger({ level: 'silent' }),
      dir,
      batchSize: 1000,
      maxFileResources: 6000,
      retentionS: 60,
      pseudonym: pseudonymFunction(Buffer.alloc(32, 2)),
    });
    let slices = 0;
    while ((await runner.runSlice(id, { ms: 60_000, batches: 5 })) === 'more') slices += 1;
    expect(slices).toBeGreaterThan(2);
    const files = await listFiles(database.db, id);
    expect(files.map((file) => file.resourceCount)).toEqual([6000, 6000, 6000, 2000]);
    const seen = new Set<string>();
    let lines = 0;
    for (const file of files) {
      const reader = createInterface({
        input: createReadStream(path.join(exportFolder(dir, id), file.fileName)),
      });
      for await (const line of reader) {
        lines += 1;
        seen.add(JSON.parse(line).id);
      }
    }
    expect(lines).toBe(TOTAL);
    expect(seen.size).toBe(TOTAL);
  }, 120_000);

  it('streams a view over the whole store', async () => {
    const { chunks } = runView(database.db, {
      view: {
        resource: 'MedicationRequest',
        select: [{ column: [{ name: 'id', path: 'getResourceKey()' }] }],
      },
      format: 'ndjson',
    });
    let rows = 0;
    let chunkCount = 0;
    for await (const chunk of chunks) {
      chunkCount += 1;
      rows += chunk.split('\n').length - 1;
    }
    expect(rows).toBe(TOTAL);
    expect(chunkCount).toBeGreaterThan(10);
  }, 120_000);
});
