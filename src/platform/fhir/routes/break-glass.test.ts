/**
 * Breaking the glass on the generic FHIR API (issue 17 §6): a staff read of an unrelated record with
 * a stated reason is accepted, audited with BTG and evented to the organisation, by id and by
 * search; a reason that is empty, too long or not plain text is refused. (The relationships
 * themselves: staff-access.test.ts.)
 */
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../../test/databases.js';
import {
  matches,
  REASON,
  type StaffWorld,
  staffWorld,
} from '../../../../test/support/platform/staff-world.js';

describe.each(databaseKinds)('breaking the glass on %s', (kind) => {
  let w: StaffWorld;

  beforeAll(async () => {
    w = await staffWorld(kind);
  });
  afterAll(() => w?.t.close());

  it('breaks the glass with a stated reason: the read is audited with BTG and raised to the organisation', async () => {
    const before = await breakGlassEvents();
    expect((await w.get(w.otherPrescriber, `/fhir/R4/${w.rxPatient}`)).statusCode).toBe(403);
    const read = await w.get(w.otherPrescriber, `/fhir/R4/${w.rxPatient}`, REASON);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().id).toBe(w.rxPatient.split('/')[1]);

    const audit = await auditOf(w.rxPatient);
    const btg = audit.filter((event) => event.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG');
    expect(btg).toHaveLength(1);
    expect(btg[0]).toMatchObject({
      outcome: '0',
      purposeOfEvent: [{ text: REASON }],
      subtype: [{ code: 'read' }],
    });
    expect(audit.some((event) => event.outcome === '4')).toBe(true);

    const events = (await breakGlassEvents()).slice(before.length);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      key: 'break-glass/B82010',
      payload: {
        organisation: 'B82010',
        agent: 'Practitioner/elsewhere',
        purposeOfUse: 'BTG',
        reason: REASON,
        interaction: 'read',
        resourceType: 'Patient',
        reference: w.rxPatient,
        patients: [w.rxPatient],
      },
    });
    const metrics = (await w.t.pathways.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/pathways_break_glass_reads_total\{resource_type="Patient"\} 1/);

    // A related read with a reason is an ordinary read: nothing to review.
    expect((await w.get(w.gpToken, `/fhir/R4/${w.rxPatient}`, REASON)).statusCode).toBe(200);
    expect(await breakGlassEvents()).toHaveLength(before.length + 1);
  });

  it('breaks the glass on a search: every record it finds, audited with BTG, one event', async () => {
    const before = await breakGlassEvents();
    const url = `/fhir/R4/MedicationRequest?subject=${w.rxPatient}`;
    expect(((await w.get(w.otherPrescriber, url)).json() as Bundle).entry ?? []).toHaveLength(0);
    const found = (await w.get(w.otherPrescriber, url, REASON)).json() as Bundle;
    expect(matches(found)).toEqual([w.rxItem]);
    const events = (await breakGlassEvents()).slice(before.length);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      interaction: 'search-type',
      resourceType: 'MedicationRequest',
      patients: [w.rxPatient],
      reason: REASON,
    });
    const searched = (await auditOf(w.rxPatient)).filter(
      (event) =>
        event.subtype?.[0]?.code === 'search-type' && event.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG',
    );
    expect(searched).toHaveLength(1);
    // Even a break-the-glass search that finds nothing is on the record.
    const nothing = await w.get(w.otherPrescriber, '/fhir/R4/Observation?code=no-such-code', REASON);
    expect(nothing.statusCode).toBe(200);
    expect(await breakGlassEvents()).toHaveLength(before.length + 2);
  });

  it('refuses a reason that is empty, too long or not plain text, and one without an organisation', async () => {
    for (const reason of ['  ', 'x'.repeat(501), 'stop\u0007']) {
      const response = await w.get(w.otherPrescriber, `/fhir/R4/${w.rxPatient}`, reason);
      expect(response.statusCode).toBe(400);
      expect(response.json().issue[0].expression).toEqual(['X-Break-Glass-Reason']);
    }
    const noOrg = await w.t.bearer({ roles: ['prescriber'], fhirUser: 'Practitioner/locum' });
    expect((await w.get(noOrg, `/fhir/R4/${w.rxPatient}`, REASON)).statusCode).toBe(403);
    expect((await w.get(noOrg, '/fhir/R4/Patient', REASON)).statusCode).toBe(403);
  });

  async function auditOf(patient: string) {
    const rows = await w.t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE patient = $1 ORDER BY seq',
      [patient],
    );
    return rows.rows.map(
      (row) =>
        JSON.parse(row.content) as {
          outcome: string;
          subtype?: Array<{ code: string }>;
          purposeOfEvent?: Array<{ text?: string; coding?: Array<{ code: string }> }>;
        },
    );
  }

  async function breakGlassEvents() {
    const rows = await w.t.pathways.db.query<{ key: string; payload: Record<string, unknown> }>(
      "SELECT key, payload FROM outbox_event WHERE type = 'break-glass-access' ORDER BY seq",
    );
    return rows.rows.map((row) => ({
      key: row.key,
      payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    }));
  }
});
