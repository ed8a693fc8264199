/**
 * The export job's core on both databases: NDJSON files split by size, every resource exactly
 * once, the transaction time, _since, _typeFilter and Group scopes, pseudonymised output, resuming
 * from a checkpoint after a run that died mid-file, cancellation, and retention clean-up.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../../test/databases.js';
import { declaredResourceRules } from '../../../test/support/platform/declared-rules.js';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { createResource } from '../../platform/fhir/store/repository.js';
import { createLogger } from '../../platform/logging/logger.js';
import { pseudonymFunction } from '../pseudonymise/pseudonym-key.js';
import { removeExpiredExports } from './export-jobs.js';
import { exportTypesOf, parseExportRequest } from './export-request.js';
import { ExportRunner, exportFolder } from './export-run.js';
import { cancelExport, findExport, insertExport, listFiles } from './export-store.js';

/** The types as the capabilities declare them (what the analytics capability passes its routes). */
const TYPES = exportTypesOf(declaredResourceRules());

const NHS_NUMBERS = ['9449304130', '9449310378', '9000000009'];
const admin = { roles: ['admin'] };
const log = createLogger({ level: 'silent' });

function patient(nhs: string) {
  return {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
    name: [{ family: 'Okafor' }],
  };
}

function medicationRequest(patientId: string, status: string) {
  return {
    resourceType: 'MedicationRequest',
    status,
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '39732311000001104' }] },
  };
}

describe.each(databaseKinds)('bulk export runner on %s', (kind) => {
  let database: TestDatabase;
  let dir: string;
  const patients: string[] = [];
  const requests: string[] = [];
  let practitioner: string;
  let oldRequest: string;

  const runnerWith = (options: { batchSize?: number; maxFileResources?: number } = {}) =>
    new ExportRunner({
      db: database.db,
      log,
      dir,
      batchSize: options.batchSize ?? 2,
      maxFileResources: options.maxFileResources ?? 3,
      retentionS: 3600,
      pseudonym: pseudonymFunction(Buffer.alloc(32, 1)),
    });

  async function startExport(level: 'system' | 'patient' | 'group', query: string, patientIds?: string[]) {
    const id = randomUUID();
    const request = parseExportRequest(
      TYPES,
      level,
      new URLSearchParams(query),
      admin,
      level === 'group' ? 'g' : undefined,
    );
    await database.db.transaction((tx) =>
      insertExport(tx, { id, request, patientIds, requestUrl: `$export?${query}`, requestedBy: 'tester' }),
    );
    return id;
  }

  async function runToEnd(id: string, runner = runnerWith()) {
    for (let slice = 0; slice < 100; slice += 1) {
      const result = await runner.runSlice(id, { ms: 60_000, batches: 1 });
      if (result !== 'more') return result;
    }
    throw new Error('export did not finish');
  }

  /** Every line of every file of the export, by type, parsed. */
  async function outputOf(id: string): Promise<Map<string, Array<Record<string, unknown>>>> {
    const byType = new Map<string, Array<Record<string, unknown>>>();
    for (const file of await listFiles(database.db, id)) {
      const text = await readFile(path.join(exportFolder(dir, id), file.fileName), 'utf8');
      expect(Buffer.byteLength(text)).toBe(file.bytes);
      const lines = text.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(file.resourceCount);
      const list = byType.get(file.resourceType) ?? [];
      for (const line of lines) list.push(JSON.parse(line));
      byType.set(file.resourceType, list);
    }
    return byType;
  }

  const idsOf = (resources: Array<Record<string, unknown>> | undefined) =>
    (resources ?? []).map((resource) => resource.id as string).sort();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dir = await mkdtemp(path.join(os.tmpdir(), 'pathways-export-'));
    await database.db.transaction(async (tx) => {
      for (const nhs of NHS_NUMBERS) patients.push((await createResource(tx, patient(nhs))).id);
      for (let i = 0; i < 7; i += 1) {
        const status = i % 2 === 0 ? 'active' : 'completed';
        requests.push((await createResource(tx, medicationRequest(patients[i % 3]!, status))).id);
      }
      practitioner = (await createResource(tx, { resourceType: 'Practitioner', name: [{ family: 'Jones' }] }))
        .id;
      oldRequest = (
        await createResource(tx, medicationRequest(patients[0]!, 'active'), {
          now: new Date('2020-01-01T00:00:00Z'),
        })
      ).id;
    });
  });

  afterAll(async () => {
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes each resource once, split into files of at most the configured size', async () => {
    const id = await startExport('system', '_type=Patient,MedicationRequest,Practitioner');
    expect(await runToEnd(id)).toBe('completed');
    const files = await listFiles(database.db, id);
    expect(files.map((file) => [file.fileName, file.resourceCount])).toEqual([
      ['MedicationRequest-1.ndjson', 3],
      ['MedicationRequest-2.ndjson', 3],
      ['MedicationRequest-3.ndjson', 2],
      ['Patient-1.ndjson', 3],
      ['Practitioner-1.ndjson', 1],
    ]);
    const output = await outputOf(id);
    expect(idsOf(output.get('Patient'))).toEqual([...patients].sort());
    expect(idsOf(output.get('MedicationRequest'))).toEqual([...requests, oldRequest].sort());
    expect(idsOf(output.get('Practitioner'))).toEqual([practitioner]);
    const record = await findExport(database.db, id);
    expect(record?.status).toBe('completed');
    expect(record?.exported).toBe(12);
    expect(record!.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('leaves out what changed after the transaction time, and what did not change since _since', async () => {
    const id = await startExport('system', '_type=MedicationRequest&_since=2021-01-01T00:00:00Z');
    const late = await database.db.transaction((tx) =>
      createResource(tx, medicationRequest(patients[1]!, 'active')),
    );
    await runToEnd(id);
    const ids = idsOf((await outputOf(id)).get('MedicationRequest'));
    expect(ids).toEqual([...requests].sort());
    expect(ids).not.toContain(late.id);
    expect(ids).not.toContain(oldRequest);
  });

  it('applies _typeFilter', async () => {
    const id = await startExport(
      'system',
      `_type=MedicationRequest&_typeFilter=${encodeURIComponent('MedicationRequest?status=completed')}`,
    );
    await runToEnd(id);
    const exported = (await outputOf(id)).get('MedicationRequest') ?? [];
    expect(exported.length).toBe(3);
    expect(exported.every((resource) => resource.status === 'completed')).toBe(true);
  });

  it('exports a Group: its members and their compartments only', async () => {
    const members = [patients[0]!];
    const id = await startExport('group', '_type=Patient,MedicationRequest', members);
    await runToEnd(id);
    const output = await outputOf(id);
    expect(idsOf(output.get('Patient'))).toEqual(members);
    const subjects = new Set(
      (output.get('MedicationRequest') ?? []).map(
        (resource) => (resource.subject as { reference: string }).reference,
      ),
    );
    expect([...subjects]).toEqual([`Patient/${members[0]}`]);
  });

  it('pseudonymises the output when asked, keeping the links between resources', async () => {
    const id = randomUUID();
    const request = parseExportRequest(
      TYPES,
      'patient',
      new URLSearchParams('_type=Patient,MedicationRequest'),
      {
        roles: ['analyst'],
      },
    );
    expect(request.pseudonymised).toBe(true);
    await database.db.transaction((tx) =>
      insertExport(tx, { id, request, patientIds: undefined, requestUrl: 'x', requestedBy: 'analyst' }),
    );
    await runToEnd(id);
    const output = await outputOf(id);
    const text = JSON.stringify([...output.values()]);
    for (const secret of [...NHS_NUMBERS, ...patients, 'Okafor']) expect(text).not.toContain(secret);
    const pseudoPatients = new Set(idsOf(output.get('Patient')));
    expect(pseudoPatients.size).toBe(3);
    for (const resource of output.get('MedicationRequest') ?? []) {
      const reference = (resource.subject as { reference: string }).reference;
      expect(pseudoPatients.has(reference.slice('Patient/'.length))).toBe(true);
    }
  });

  it('resumes after a run died mid-file: what it wrote after its last checkpoint is written again, once', async () => {
    const id = await startExport('system', '_type=MedicationRequest');
    expect(await runnerWith().runSlice(id, { ms: 60_000, batches: 1 })).toBe('more');
    const [file] = await listFiles(database.db, id);
    expect(file?.resourceCount).toBe(2);
    // The dead run had written more than it committed: a whole line and a partial one.
    await appendFile(
      path.join(exportFolder(dir, id), file!.fileName),
      '{"resourceType":"MedicationRequest","id":"ghost"}\n{"resou',
    );
    expect(await runToEnd(id, runnerWith())).toBe('completed');
    const exported = idsOf((await outputOf(id)).get('MedicationRequest'));
    const { rows } = await database.db.query<{ id: string }>(
      `SELECT id FROM fhir_resource WHERE resource_type = 'MedicationRequest' ORDER BY id`,
    );
    expect(exported).toEqual(rows.map((row) => row.id).sort());
    expect(exported).not.toContain('ghost');
  });

  it('stops a run at its next checkpoint once the export is cancelled', async () => {
    const id = await startExport('system', '_type=MedicationRequest');
    expect(await runnerWith().runSlice(id, { ms: 60_000, batches: 1 })).toBe('more');
    expect(await cancelExport(database.db, id)).toBe(true);
    expect(await runnerWith().runSlice(id, { ms: 60_000 })).toBe('gone');
    expect((await findExport(database.db, id))?.status).toBe('cancelled');
  });

  it('removes exports past their retention, files and row', async () => {
    const id = await startExport('system', '_type=Practitioner');
    await runToEnd(id);
    expect(await readdir(exportFolder(dir, id))).toEqual(['Practitioner-1.ndjson']);
    await database.db.query(`UPDATE bulk_export SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      id,
    ]);
    expect(await removeExpiredExports(database.db, dir)).toBeGreaterThanOrEqual(1);
    expect(await findExport(database.db, id)).toBeUndefined();
    await expect(readdir(exportFolder(dir, id))).rejects.toThrow();
  });
});
