/**
 * The README's hospital-feed demo, as written: `pathways hl7 send examples/hl7/adt-a01.hl7
 * examples/hl7/oru-r01.hl7 examples/hl7/siu-s12.hl7` against the demo data is accepted (AA), the demo patient's record and
 * stay are there for the demo clinician, and the result reaches demo-patient only once released.
 * Fails when the example files stop being accepted.
 */
import path from 'node:path';
import type { Appointment, Bundle, DiagnosticReport, Encounter, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runHl7Send } from '../../src/hl7/cli.js';
import { databaseKinds } from '../databases.js';
import { type Hl7Test, startHl7Test } from '../support/hl7/harness.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/hl7');

describe.each(databaseKinds)('the HL7 demo in the README on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind, { PATHWAYS_DEMO: '1', RESULT_RELEASE_DELAY_S: '0' });
  });
  afterAll(async () => h?.close());

  it('accepts the example ADT and ORU, and shows the result to demo-patient after release', async () => {
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    let exit: number;
    try {
      exit = await runHl7Send([
        '--port',
        String(h.port),
        path.join(EXAMPLES, 'adt-a01.hl7'),
        path.join(EXAMPLES, 'oru-r01.hl7'),
        path.join(EXAMPLES, 'siu-s12.hl7'),
      ]);
    } finally {
      write.mockRestore();
    }
    expect(printed.join('')).toBe(
      `${path.join(EXAMPLES, 'adt-a01.hl7')}: AA DEMO-ADT-0001\n${path.join(EXAMPLES, 'oru-r01.hl7')}: AA DEMO-ORU-0001\n${path.join(EXAMPLES, 'siu-s12.hl7')}: AA DEMO-SIU-0001\n`,
    );
    expect(exit).toBe(0);

    const clinician = await h.t.bearer({
      roles: ['clinician'],
      fhirUser: 'Practitioner/demo-clinician',
      org: 'RR8',
    });
    const patient = await h.t.bearer({ roles: ['patient'], fhirUser: 'Patient/demo-patient-1' });
    const found = await h.get<Bundle<Patient>>('/fhir/R4/Patient?identifier=9449306060', clinician);
    expect(found.body.entry?.map((e) => e.resource!.id)).toEqual(['demo-patient-1']);
    const stays = await h.get<Bundle<Encounter>>(
      '/fhir/R4/Encounter?subject=Patient/demo-patient-1',
      clinician,
    );
    expect(stays.body.entry?.map((e) => e.resource!.status)).toEqual(['in-progress']);
    const booked = await h.get<Bundle<Appointment>>(
      '/fhir/R4/Appointment?patient=Patient/demo-patient-1&identifier=EPR|DEMO-APPT-1',
      patient,
    );
    expect(booked.body.entry?.map((e) => e.resource!.start)).toEqual(['2027-03-15T10:30:00.000Z']);
    const reports = await h.get<Bundle<DiagnosticReport>>(
      '/fhir/R4/DiagnosticReport?identifier=LAB123456',
      clinician,
    );
    const report = reports.body.entry![0]!.resource!;
    expect(report.subject?.reference).toBe('Patient/demo-patient-1');

    const mine = async () =>
      (
        await h.get<Bundle<DiagnosticReport>>(
          '/fhir/R4/DiagnosticReport?subject=Patient/demo-patient-1',
          patient,
        )
      ).body.entry?.map((e) => e.resource!.id) ?? [];
    expect(await mine()).not.toContain(report.id);
    const released = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/DiagnosticReport/${report.id}/$release`,
      headers: { authorization: clinician },
    });
    expect(released.statusCode, released.body).toBe(200);
    expect(await mine()).toContain(report.id);
  });
});
