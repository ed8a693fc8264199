/**
 * Provenance per message over a real MLLP socket on both databases: one per applied message, in
 * its transaction, naming every version written; none for a duplicate or a message not applied;
 * one when a dead letter is re-driven or replayed from the CLI.
 */
import type { Bundle, Encounter, Patient, Provenance } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { adt, controlId, oru, readAck } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { runHl7Replay } from '../cli.js';
import { HL7_CONTROL_ID_SYSTEM } from './provenance.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

describe.each(databaseKinds)('HL7 Provenance on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind);
  });
  afterAll(async () => h?.close());

  async function provenanceOf(control: string): Promise<Provenance[]> {
    const { body } = await h.get<Bundle<Provenance>>(`/fhir/R4/Provenance?_count=100`);
    return (body.entry ?? [])
      .map((e) => e.resource!)
      .filter((p) => p.entity?.[0]?.what.identifier?.value === control);
  }

  it('writes one Provenance per applied message naming each version, the sender and the message', async () => {
    const nhsNumber = '9434765870';
    const control = controlId('PROV');
    expect(
      readAck(await h.send(adt({ trigger: 'A01', control, nhsNumber, mrn: 'P1', visit: 'PV-1' }))).code,
    ).toBe('AA');
    const patient = (await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS}|${nhsNumber}`)).body
      .entry![0]!.resource!;
    const stay = (await h.get<Bundle<Encounter>>('/fhir/R4/Encounter?identifier=PV-1')).body.entry![0]!
      .resource!;
    const found = await provenanceOf(control);
    expect(found).toHaveLength(1);
    const [provenance] = found;
    expect(provenance!.target).toEqual([
      { reference: `Patient/${patient.id}/_history/${patient.meta!.versionId}` },
      { reference: `Encounter/${stay.id}/_history/${stay.meta!.versionId}` },
    ]);
    expect(provenance!.agent[0]!.who.identifier?.value).toBe('EPR');
    expect(provenance!.agent[0]!.onBehalfOf?.identifier?.value).toBe('RXX01');
    expect(provenance!.entity?.[0]?.what.identifier).toEqual({
      system: HL7_CONTROL_ID_SYSTEM,
      value: control,
    });
    const logged = await h.t.pathways.db.query<{ id: string }>(
      'SELECT id::text AS id FROM hl7_message WHERE control_id = $1',
      [control],
    );
    expect(provenance!.entity?.[0]?.what.display).toContain(`message log ${logged.rows[0]!.id}`);

    // Searchable by the resource it touched (any version).
    const byTarget = await h.get<Bundle<Provenance>>(`/fhir/R4/Provenance?target=Patient/${patient.id}`);
    expect(byTarget.body.entry?.map((e) => e.resource!.id)).toContain(provenance!.id);

    // A result: the report and each observation are targets.
    const resultControl = controlId('PROVR');
    expect(readAck(await h.send(oru({ control: resultControl, nhsNumber, filler: 'LABPROV1' }))).code).toBe(
      'AA',
    );
    const [resultProvenance] = await provenanceOf(resultControl);
    const kinds = resultProvenance!.target.map((t) => t.reference!.split('/')[0]);
    expect(kinds.filter((k) => k === 'DiagnosticReport')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'Observation').length).toBeGreaterThanOrEqual(2);
  });

  it('writes none for a duplicate, nor for a message answered AE', async () => {
    const control = controlId('PROVDUP');
    const message = adt({
      trigger: 'A08',
      control,
      at: '20260105100000',
      nhsNumber: '9434765870',
      mrn: 'P1',
    });
    expect(readAck(await h.send(message)).code).toBe('AA');
    expect(readAck(await h.send(message)).code).toBe('AA');
    expect(await provenanceOf(control)).toHaveLength(1);

    const failed = controlId('PROVAE');
    expect(readAck(await h.send(adt({ trigger: 'A02', control: failed, visit: 'NO-SUCH-STAY' }))).code).toBe(
      'AE',
    );
    expect(await provenanceOf(failed)).toHaveLength(0);
  });

  it('writes one when a dead letter is re-driven by an admin or replayed from the CLI', async () => {
    const redriven = controlId('PROVRD');
    const replayed = controlId('PROVRP');
    for (const [control, visit] of [
      [redriven, 'PV-RD'],
      [replayed, 'PV-RP'],
    ] as const) {
      expect(
        readAck(await h.send(adt({ trigger: 'A02', control, visit, nhsNumber: '9434765870', mrn: 'P1' })))
          .code,
      ).toBe('AE');
      expect(
        readAck(
          await h.send(
            adt({ trigger: 'A01', visit, nhsNumber: '9434765870', mrn: 'P1', at: '20260105080000' }),
          ),
        ).code,
      ).toBe('AA');
    }
    const ids = await h.t.pathways.db.query<{ id: string; control_id: string }>(
      'SELECT id::text AS id, control_id FROM hl7_message WHERE control_id = ANY($1::text[])',
      [[redriven, replayed]],
    );
    const idOf = (control: string) => ids.rows.find((r) => r.control_id === control)!.id;

    const reply = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/admin/hl7/messages/${idOf(redriven)}/redrive`,
      headers: { authorization: h.admin },
    });
    expect(reply.json()).toMatchObject({ outcome: 'applied' });
    expect(await provenanceOf(redriven)).toHaveLength(1);

    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runHl7Replay(h.t.pathways, [idOf(replayed)])).toBe(0);
      // Replayed again: a duplicate, no second Provenance.
      expect(await runHl7Replay(h.t.pathways, [idOf(replayed)])).toBe(0);
    } finally {
      write.mockRestore();
    }
    const [provenance] = await provenanceOf(replayed);
    expect(await provenanceOf(replayed)).toHaveLength(1);
    // The patient's data is newer than the transfer (EVN-2), so only the stay is written.
    expect(provenance!.target.map((t) => t.reference!.split('/')[0])).toEqual(['Encounter']);
  });
});
