/**
 * Bulk Data export of a large store: `node --import tsx bench/suites/export.ts [resources] [--pseudonymise]`
 * (default 1,000,000). Fills a fresh PostgreSQL database (TEST_DATABASE_URL or 127.0.0.1:5432)
 * with MedicationRequests straight in SQL, then runs one export through the product's
 * ExportRunner (keyset batches, NDJSON to disk, a checkpoint per batch) and prints resources/s,
 * file size and the process's peak memory. Figures go in docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { exportTypesOf, parseExportRequest } from '../../src/analytics/export/export-request.js';
import { ExportRunner } from '../../src/analytics/export/export-run.js';
import { insertExport, listFiles } from '../../src/analytics/export/export-store.js';
import { pseudonymFunction } from '../../src/analytics/pseudonymise/pseudonym-key.js';
import { openDatabase } from '../../src/platform/database/database.js';
import { migrate } from '../../src/platform/database/migrate.js';
import { ResourceRules } from '../../src/platform/fhir/resource-rules.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { describeMachine } from '../harness/machine.js';

const total = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 1_000_000);
const pseudonymise = process.argv.includes('--pseudonymise');
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `pathways_bench_export_${process.pid}`;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pathways-bench-export-'));
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: dir, poolSize: 4 });
  try {
    await migrate(db);
    const fillStart = performance.now();
    // A MedicationRequest of the size the prescribing path stores (about 700 bytes).
    await db.query(
      `INSERT INTO fhir_resource (resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'MedicationRequest', 'mr-' || lpad(n::text, 8, '0'), 1, now() - interval '1 day', false,
         json_build_object(
           'resourceType', 'MedicationRequest', 'id', 'mr-' || lpad(n::text, 8, '0'),
           'meta', json_build_object('versionId', '1', 'lastUpdated', '2026-12-01T10:00:00.000Z'),
           'status', 'active', 'intent', 'order',
           'groupIdentifier', json_build_object('system', 'https://fhir.nhs.uk/Id/prescription-order-number', 'value', 'A0' || n),
           'subject', json_build_object('reference', 'Patient/pt-' || (n % 50000),
             'identifier', json_build_object('system', 'https://fhir.nhs.uk/Id/nhs-number', 'value', (9000000000 + n % 50000)::text)),
           'requester', json_build_object('reference', 'Practitioner/pr-' || (n % 500)),
           'medicationCodeableConcept', json_build_object('coding', json_build_array(json_build_object(
             'system', 'http://snomed.info/sct', 'code', '39732311000001104', 'display', 'Amoxicillin 250mg capsules'))),
           'dosageInstruction', json_build_array(json_build_object('text', 'One capsule three times a day')),
           'dispenseRequest', json_build_object('quantity', json_build_object('value', 21, 'unit', 'capsule'),
             'performer', json_build_object('identifier', json_build_object('system', 'https://fhir.nhs.uk/Id/ods-organization-code', 'value', 'FCG71'))),
           'authoredOn', '2026-12-01T10:00:00+00:00'
         )::text
       FROM generate_series(1, $1::int) AS n`,
      [total],
    );
    await db.query('ANALYZE fhir_resource');
    const fillS = (performance.now() - fillStart) / 1000;
    const id = randomUUID();
    // A system-level export covers every stored type, whatever the capabilities declare.
    const types = exportTypesOf(new ResourceRules());
    const request = parseExportRequest(types, 'system', new URLSearchParams('_type=MedicationRequest'), {
      roles: pseudonymise ? ['analyst'] : ['admin'],
    });
    await db.transaction((tx) =>
      insertExport(tx, { id, request, patientIds: undefined, requestUrl: 'bench', requestedBy: 'bench' }),
    );
    peakRss = process.memoryUsage().rss;
    const rssBefore = peakRss;
    const runner = new ExportRunner({
      db,
      log: createLogger({ level: 'silent' }),
      dir,
      batchSize: 1000,
      maxFileResources: 100_000,
      retentionS: 3600,
      pseudonym: pseudonymFunction(Buffer.alloc(32, 9)),
    });
    const start = performance.now();
    while ((await runner.runSlice(id, { ms: 20_000 })) === 'more') {}
    const seconds = (performance.now() - start) / 1000;
    const files = await listFiles(db, id);
    const exported = files.reduce((sum, file) => sum + file.resourceCount, 0);
    const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
    const machine = describeMachine(url.toString());
    console.log(
      JSON.stringify(
        {
          resources: exported,
          pseudonymised: pseudonymise,
          files: files.length,
          megabytes: Math.round(bytes / 1e6),
          seconds: Number(seconds.toFixed(1)),
          resourcesPerSecond: Math.round(exported / seconds),
          peakRssMiB: Math.round(peakRss / 2 ** 20),
          rssBeforeExportMiB: Math.round(rssBefore / 2 ** 20),
          fillSeconds: Number(fillS.toFixed(1)),
          machine,
        },
        null,
        2,
      ),
    );
  } finally {
    clearInterval(sampler);
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
