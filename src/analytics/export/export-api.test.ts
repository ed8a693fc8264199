/**
 * Bulk Data $export over HTTP on both databases, as a client would use it: kick-off (202 and
 * Content-Location), polling (202 with X-Progress, then the manifest), downloads that need the
 * token of the account that asked, DELETE, who may do what, and the audit trail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { createResource } from '../../platform/fhir/store/repository.js';

const FHIR = '/fhir/R4';

describe.each(databaseKinds)('Bulk Data $export on %s', (kind) => {
  let t: TestApp;
  let exportDir: string;
  let admin: string;
  let analyst: string;
  let otherAnalyst: string;
  let patientId: string;
  let groupId: string;

  beforeAll(async () => {
    exportDir = await mkdtemp(path.join(os.tmpdir(), 'pathways-export-api-'));
    t = await startTestApp(kind, { EXPORT_DIR: exportDir, EXPORT_BATCH_SIZE: '2' });
    admin = await t.bearer({ roles: ['admin'], subject: 'admin-1' });
    analyst = await t.bearer({ roles: ['analyst'], subject: 'analyst-1' });
    otherAnalyst = await t.bearer({ roles: ['analyst'], subject: 'analyst-2' });
    await t.pathways.db.transaction(async (tx) => {
      const patient = await createResource(tx, {
        resourceType: 'Patient',
        identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449304130' }],
        name: [{ family: 'Okafor', given: ['Sam'] }],
      });
      patientId = patient.id;
      await createResource(tx, {
        resourceType: 'Patient',
        identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9449310378' }],
        name: [{ family: 'Campbell' }],
      });
      for (let i = 0; i < 3; i += 1) {
        await createResource(tx, {
          resourceType: 'MedicationRequest',
          status: 'active',
          intent: 'order',
          subject: { reference: `Patient/${patientId}`, display: 'Sam Okafor' },
          medicationCodeableConcept: {
            coding: [{ system: 'http://snomed.info/sct', code: '39732311000001104' }],
          },
        });
      }
      groupId = (
        await createResource(tx, {
          resourceType: 'Group',
          type: 'person',
          actual: true,
          member: [{ entity: { reference: `Patient/${patientId}` } }],
        })
      ).id;
    });
  });

  afterAll(async () => {
    await t?.close();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  const kickOff = (url: string, token: string, prefer = 'respond-async') =>
    t.pathways.app.inject({
      method: 'GET',
      url: `${FHIR}${url}`,
      headers: { authorization: token, accept: 'application/fhir+json', ...(prefer ? { prefer } : {}) },
    });

  const statusPath = (location: string) => new URL(location).pathname;

  async function waitForManifest(location: string, token: string) {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const response = await t.pathways.app.inject({
        method: 'GET',
        url: statusPath(location),
        headers: { authorization: token },
      });
      if (response.statusCode === 200) return response.json();
      expect(response.statusCode).toBe(202);
      expect(response.headers['x-progress']).toMatch(/resources written/);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('the export did not complete');
  }

  async function download(url: string, token: string) {
    return t.pathways.app.inject({
      method: 'GET',
      url: new URL(url).pathname,
      headers: { authorization: token, accept: 'application/fhir+ndjson' },
    });
  }

  it('runs a system export: 202 and Content-Location, then a manifest whose files need the token', async () => {
    const response = await kickOff('/$export?_type=Patient,MedicationRequest', admin);
    expect(response.statusCode).toBe(202);
    const location = response.headers['content-location'] as string;
    expect(location).toMatch(/^http:\/\/pathways\.test\/fhir\/R4\/\$export-status\/[0-9a-f-]{36}$/);
    const manifest = await waitForManifest(location, admin);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.request).toBe('http://pathways.test/fhir/R4/$export?_type=Patient,MedicationRequest');
    expect(new Date(manifest.transactionTime).getTime()).toBeLessThanOrEqual(Date.now());
    expect(manifest.error).toEqual([]);
    const outputs = manifest.output as Array<{ type: string; url: string; count: number }>;
    const outputOf = (type: string) => {
      const found = outputs.find((output) => output.type === type);
      if (!found) throw new Error(`no ${type} file`);
      return found;
    };
    const byType = { Patient: outputOf('Patient'), MedicationRequest: outputOf('MedicationRequest') };
    expect(byType.Patient.count).toBe(2);
    expect(byType.MedicationRequest.count).toBe(3);
    const file = await download(byType.MedicationRequest.url, admin);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/fhir+ndjson');
    const lines = file.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines.every((resource) => resource.resourceType === 'MedicationRequest')).toBe(true);
    // The same file without a token, with another account's token, or another role's: refused.
    const anonymous = await t.pathways.app.inject({
      method: 'GET',
      url: new URL(byType.Patient.url).pathname,
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await download(byType.Patient.url, analyst)).statusCode).toBe(404);
    const prescriber = await t.bearer({ roles: ['prescriber'], org: 'A83008', subject: 'admin-1' });
    expect((await download(byType.Patient.url, prescriber)).statusCode).toBe(403);
    // Audited: the kick-off and the download.
    const { rows } = await t.pathways.db.query<{ content: string }>(
      `SELECT content FROM audit_event WHERE content LIKE '%bulk export%'`,
    );
    expect(rows.some((row) => row.content.includes('requested: system level'))).toBe(true);
    expect(rows.some((row) => row.content.includes('MedicationRequest-1.ndjson downloaded'))).toBe(true);
  });

  it('gives an analyst pseudonymised output only', async () => {
    const refused = await kickOff('/Patient/$export?pseudonymise=false', analyst);
    expect(refused.statusCode).toBe(403);
    const response = await kickOff('/Patient/$export?_type=Patient,MedicationRequest', analyst);
    expect(response.statusCode).toBe(202);
    const manifest = await waitForManifest(response.headers['content-location'] as string, analyst);
    let text = '';
    for (const output of manifest.output as Array<{ url: string }>)
      text += (await download(output.url, analyst)).body;
    expect(text).toContain('patient-pseudonym');
    for (const secret of ['9449304130', 'Okafor', patientId, 'Campbell']) expect(text).not.toContain(secret);
    // Another analyst cannot poll it.
    const other = await t.pathways.app.inject({
      method: 'GET',
      url: statusPath(response.headers['content-location'] as string),
      headers: { authorization: otherAnalyst },
    });
    expect(other.statusCode).toBe(404);
  });

  it('exports a Group by id', async () => {
    const response = await kickOff(`/Group/${groupId}/$export?_type=Patient`, admin);
    expect(response.statusCode).toBe(202);
    const manifest = await waitForManifest(response.headers['content-location'] as string, admin);
    expect(manifest.output).toHaveLength(1);
    const body = (await download(manifest.output[0].url, admin)).body;
    expect(JSON.parse(body.trim()).id).toBe(patientId);
    expect((await kickOff('/Group/no-such-group/$export', admin)).statusCode).toBe(404);
  });

  it('cancels with DELETE: the status URL is then 404', async () => {
    const response = await kickOff('/$export', admin);
    const url = statusPath(response.headers['content-location'] as string);
    const deleted = await t.pathways.app.inject({ method: 'DELETE', url, headers: { authorization: admin } });
    expect(deleted.statusCode).toBe(202);
    const after = await t.pathways.app.inject({ method: 'GET', url, headers: { authorization: admin } });
    expect(after.statusCode).toBe(404);
    const again = await t.pathways.app.inject({ method: 'DELETE', url, headers: { authorization: admin } });
    expect(again.statusCode).toBe(404);
  });

  it('refuses patients, other staff, a missing Prefer and bad parameters with an OperationOutcome', async () => {
    const patient = await t.bearer({ roles: ['patient'], fhirUser: `Patient/${patientId}` });
    for (const [token, status] of [
      [patient, 403],
      [await t.bearer({ roles: ['service-desk'] }), 403],
      [await t.bearer({ roles: ['prescriber'], org: 'A83008' }), 403],
    ] as const) {
      const response = await kickOff('/$export', token);
      expect(response.statusCode).toBe(status);
      expect(response.json().resourceType).toBe('OperationOutcome');
    }
    for (const [url, prefer] of [
      ['/$export', ''],
      ['/$export?_outputFormat=text/csv', 'respond-async'],
      ['/$export?_type=Nope', 'respond-async'],
      ['/$export?_since=not-a-date', 'respond-async'],
      [`/$export?_typeFilter=${encodeURIComponent('Patient?nonsense=1')}`, 'respond-async'],
    ] as const) {
      const response = await kickOff(url, admin, prefer);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().resourceType).toBe('OperationOutcome');
    }
    const { rows } = await t.pathways.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bulk_export WHERE requested_by = $1',
      ['test-patient'],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('lists $export in the CapabilityStatement at system, Patient and Group level', async () => {
    const response = await t.pathways.app.inject({ method: 'GET', url: `${FHIR}/metadata` });
    const rest = response.json().rest[0];
    expect(rest.operation.map((op: { name: string }) => op.name)).toContain('export');
    for (const type of ['Patient', 'Group']) {
      const resource = rest.resource.find((entry: { type: string }) => entry.type === type);
      expect(resource.operation.map((op: { name: string }) => op.name)).toContain('export');
    }
  });
});
