/**
 * Per-operation costs, measured in this process by importing the service's own modules: what one
 * create or read spends on CPU in each layer, and what one database round trip costs on its own.
 * Together with the CPU split and the profile they say where a request's time goes.
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import pg from 'pg';
import { buildAuditEvent, toChainFields } from '../../src/platform/audit/audit-event.js';
import { linkRecords } from '../../src/platform/audit/record-hash.js';
import { buildIndexRows } from '../../src/platform/fhir/search/index-rows.js';
import { loadValidationDefinitions, validateResource } from '../../src/platform/fhir/validation/index.js';
import { nhsNumber, patient } from '../data/data.js';

export interface Cost {
  operation: string;
  usPerOp: number;
}

/** Mean µs per call over about `ms` milliseconds, after a short warm-up. */
async function perOp(fn: () => unknown, ms = 400): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await fn();
    count++;
  }
  return ((performance.now() - started) * 1000) / count;
}

export async function cpuCosts(): Promise<Cost[]> {
  // Loaded once at start by the service; not part of any request.
  loadValidationDefinitions();
  const input = patient(1, nhsNumber(1, 400_000_000), 500);
  const body = JSON.stringify(input);
  const stored = {
    ...input,
    id: randomUUID(),
    meta: { versionId: '1', lastUpdated: new Date().toISOString() },
  };
  const storedJson = JSON.stringify(stored);
  const auditInput = {
    action: 'C' as const,
    subtype: 'create' as const,
    outcome: '0' as const,
    agent: { display: 'unauthenticated', ip: '127.0.0.1' },
    entity: { reference: `Patient/${stored.id}` },
    patient: `Patient/${stored.id}`,
    requestId: randomUUID(),
  };
  const fields = () => {
    const event = buildAuditEvent(auditInput, {
      id: randomUUID(),
      recorded: new Date().toISOString(),
      observer: 'pathways',
    });
    return toChainFields(event, auditInput);
  };
  const oneFields = fields();
  return [
    { operation: 'JSON.parse of the request body', usPerOp: await perOp(() => JSON.parse(body)) },
    {
      operation: 'JSON.parse + validateResource(Patient)',
      usPerOp: await perOp(() => validateResource(JSON.parse(body))),
    },
    { operation: 'JSON.stringify of the stored Patient', usPerOp: await perOp(() => JSON.stringify(stored)) },
    {
      operation: 'buildIndexRows(Patient) (search index extraction)',
      usPerOp: await perOp(() => buildIndexRows(stored as Resource)),
    },
    { operation: 'audit record: buildAuditEvent + toChainFields', usPerOp: await perOp(fields) },
    {
      operation: 'audit chain: sha-256 link of one record',
      usPerOp: await perOp(() => linkRecords({ seq: 1, hash: '0'.repeat(64) }, [oneFields])),
    },
    {
      operation: `JSON.parse of the stored Patient (${storedJson.length} bytes)`,
      usPerOp: await perOp(() => JSON.parse(storedJson)),
    },
  ];
}

/** Latency of single database round trips, one at a time on one connection (no contention). */
export async function dbCosts(databaseUrl: string, sampleId: string): Promise<Cost[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS bench_cost_insert (id text PRIMARY KEY, content text NOT NULL)',
    );
    const json = JSON.stringify(patient(2, nhsNumber(2, 400_000_000), 500));
    return [
      { operation: 'SELECT 1', usPerOp: await perOp(() => client.query('SELECT 1')) },
      {
        operation: 'read by id (SELECT … FROM fhir_resource WHERE pk)',
        usPerOp: await perOp(() =>
          client.query(
            'SELECT resource_type, id, version_id, last_updated, deleted, content FROM fhir_resource WHERE resource_type = $1 AND id = $2',
            ['Patient', sampleId],
          ),
        ),
      },
      {
        operation: 'autocommit INSERT (one commit = one WAL flush, fsync on)',
        usPerOp: await perOp(() =>
          client.query('INSERT INTO bench_cost_insert (id, content) VALUES ($1, $2)', [randomUUID(), json]),
        ),
      },
      {
        operation: 'BEGIN; INSERT; COMMIT (3 round trips, one WAL flush)',
        usPerOp: await perOp(async () => {
          await client.query('BEGIN');
          await client.query('INSERT INTO bench_cost_insert (id, content) VALUES ($1, $2)', [
            randomUUID(),
            json,
          ]);
          await client.query('COMMIT');
        }),
      },
    ];
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_cost_insert').catch(() => {});
    await client.end();
  }
}
