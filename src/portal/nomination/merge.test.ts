/**
 * A nomination follows a merged record (HAZ-MERGE), on both databases. The follower on its own:
 * the survivor inherits the retired record's nomination unless it has its own, the retired record
 * keeps none, each change is announced, a rolled-back merge changes nothing and nobody else's
 * nomination moves. End to end over MLLP: after an A40 an order to the survivor sent without a
 * pharmacy goes to the pharmacy the patient nominated on the retired record.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, Organization, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { adt, controlId, readAck } from '../../../test/support/hl7/fixtures.js';
import { type Hl7Test, startHl7Test } from '../../../test/support/hl7/harness.js';
import { processMessage, registerPrescriber } from '../../../test/support/prescribing/prescriber.js';
import { mergeFollowersOf } from '../../hl7/adt/merge-followers.js';
import { generateNhsNumber, NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../nhs/index.js';
import type { Queryable } from '../../platform/database/database.js';
import { shortFormIdOf } from '../../prescribing/examples/order-bundle.js';
import { NOMINATIONS_SERVICE } from '../services.js';
import { ORGANISATION_ROLE_SYSTEM, PHARMACY_ROLE } from './rules.js';

const patient = () => `Patient/${randomUUID()}`;

describe.each(databaseKinds)('the nominated pharmacy after a merge on %s', (kind) => {
  let h: Hl7Test;

  beforeAll(async () => {
    h = await startHl7Test(kind);
    for (const [ods, name] of [
      ['FMG01', 'Merrion Pharmacy'],
      ['FMG02', 'Moortown Pharmacy'],
    ] as const) {
      const created = await h.t.pathways.app.inject({
        method: 'POST',
        url: '/fhir/R4/Organization',
        headers: { authorization: h.admin, 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({
          resourceType: 'Organization',
          identifier: [{ system: ODS_SYSTEM, value: ods }],
          active: true,
          type: [{ coding: [{ system: ORGANISATION_ROLE_SYSTEM, code: PHARMACY_ROLE }] }],
          name,
          address: [{ line: ['1 Merrion Street'], city: 'Leeds', postalCode: 'LS2 8NG' }],
        } satisfies Organization),
      });
      expect(created.statusCode, created.body).toBe(201);
    }
  });
  afterAll(async () => h?.close());

  const db = () => h.t.pathways.db;
  const nominate = (who: string, pharmacy: string, changedAt = '2026-01-02T09:00:00Z') =>
    db().query('INSERT INTO pharmacy_nomination (patient, pharmacy, changed_at) VALUES ($1, $2, $3)', [
      who,
      pharmacy,
      changedAt,
    ]);
  const nominations = async (who: string[], q: Queryable = db()) => {
    const rows = await q.query<{ patient: string; pharmacy: string; changed_at: Date | string }>(
      'SELECT patient, pharmacy, changed_at FROM pharmacy_nomination WHERE patient = ANY($1::text[])',
      [who],
    );
    return Object.fromEntries(
      rows.rows.map((row) => [row.patient, [row.pharmacy, new Date(row.changed_at).toISOString()]]),
    );
  };
  const announced = async (who: string[]) =>
    (
      await db().query<{ payload: unknown }>(
        "SELECT payload FROM outbox_event WHERE type = 'nomination-changed' AND key = ANY($1::text[]) ORDER BY seq",
        [who],
      )
    ).rows.map((row) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload));
  const follow = (merge: { retired: string; survivor: string }) =>
    db().transaction((tx) => h.t.pathways.services.get(NOMINATIONS_SERVICE).followMerge(tx, merge));

  it('is told of every merge, after the other portal followers', () => {
    const services = h.t.pathways.services;
    expect(mergeFollowersOf(services).at(-1)).toBe(services.get(NOMINATIONS_SERVICE));
  });

  it("gives the survivor the retired record's nomination, with its date; the retired record keeps none", async () => {
    const merge = { retired: patient(), survivor: patient() };
    const bystander = patient();
    await nominate(merge.retired, 'FMG01', '2026-01-02T09:00:00.000Z');
    await nominate(bystander, 'FMG02');

    // A merge that fails after its followers ran leaves everything as it was.
    const failure = new Error('the merge failed after its followers ran');
    await expect(
      db().transaction(async (tx) => {
        await h.t.pathways.services.get(NOMINATIONS_SERVICE).followMerge(tx, merge);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await nominations([merge.retired, merge.survivor])).toEqual({
      [merge.retired]: ['FMG01', '2026-01-02T09:00:00.000Z'],
    });
    expect(await announced([merge.retired, merge.survivor])).toEqual([]);

    await follow(merge);
    expect(await nominations([merge.retired, merge.survivor, bystander])).toEqual({
      [merge.survivor]: ['FMG01', '2026-01-02T09:00:00.000Z'],
      [bystander]: ['FMG02', '2026-01-02T09:00:00.000Z'],
    });
    expect(await announced([merge.retired, merge.survivor])).toEqual([
      { patient: merge.retired, pharmacy: null, previous: 'FMG01' },
      { patient: merge.survivor, pharmacy: 'FMG01', previous: null },
    ]);

    // Told twice: nothing left to move, nothing announced.
    await follow(merge);
    expect(await announced([merge.retired, merge.survivor])).toHaveLength(2);
  });

  it("keeps the survivor's own nomination, and drops the retired record's", async () => {
    const merge = { retired: patient(), survivor: patient() };
    await nominate(merge.retired, 'FMG01');
    await nominate(merge.survivor, 'FMG02', '2026-01-03T10:00:00.000Z');
    await follow(merge);
    expect(await nominations([merge.retired, merge.survivor])).toEqual({
      [merge.survivor]: ['FMG02', '2026-01-03T10:00:00.000Z'],
    });
    expect(await announced([merge.retired, merge.survivor])).toEqual([
      { patient: merge.retired, pharmacy: null, previous: 'FMG01' },
    ]);

    // Neither has one: nothing happens.
    const quiet = { retired: patient(), survivor: patient() };
    await follow(quiet);
    expect(await nominations([quiet.retired, quiet.survivor])).toEqual({});
    expect(await announced([quiet.retired, quiet.survivor])).toEqual([]);
  });

  it('sends an order for the survivor without a pharmacy to the nomination made on the retired record', async () => {
    // The same person under two records: one with an NHS number later found to be a duplicate.
    const [oldNhs, nhs] = [generateNhsNumber(), generateNhsNumber()];
    const [oldMrn, mrn] = [`M8${Date.now() % 100000}`, `M9${Date.now() % 100000}`];
    for (const [nhsNumber, localNumber] of [
      [oldNhs, oldMrn],
      [nhs, mrn],
    ] as const) {
      const ack = await h.send(
        adt({ trigger: 'A28', nhsNumber, mrn: localNumber, family: 'Okonjo', given: 'Ada' }),
      );
      expect(readAck(ack).code, ack).toBe('AA');
    }
    const byNhs = async (value: string) =>
      (await h.get<Bundle<Patient>>(`/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${value}`)).body
        .entry![0]!.resource!;
    const retired = `Patient/${(await byNhs(oldNhs)).id}`;
    const survivor = `Patient/${(await byNhs(nhs)).id}`;
    expect(retired).not.toBe(survivor);

    // The patient nominates on the record they signed up with, which the hospital then retires.
    const retiredToken = await h.t.bearer({ roles: ['patient'], fhirUser: retired });
    const chosen = await h.t.pathways.app.inject({
      method: 'POST',
      url: `/fhir/R4/${retired}/$nominate-pharmacy`,
      headers: { authorization: retiredToken, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'pharmacy', valueCode: 'FMG01' }],
      }),
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const control = controlId('MERGEN');
    const ack = await h.send(
      adt({
        trigger: 'A40',
        control,
        nhsNumber: nhs,
        mrn,
        family: 'Okonjo',
        given: 'Ada',
        extra: [`MRG|${oldMrn}^^^RXX01^MR`],
      }),
    );
    expect(readAck(ack), ack).toMatchObject({ code: 'AA', controlId: control });

    // The survivor's own session reads the nomination; another patient's may not.
    const survivorToken = await h.t.bearer({ roles: ['patient'], fhirUser: survivor });
    const read = (token: string) =>
      h.t.pathways.app.inject({
        method: 'GET',
        url: `/fhir/R4/${survivor}/$nominated-pharmacy`,
        headers: { authorization: token },
      });
    const mine = await read(survivorToken);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().parameter[0].resource.identifier).toEqual([{ system: ODS_SYSTEM, value: 'FMG01' }]);
    expect((await read(await h.t.bearer({ roles: ['patient'], fhirUser: patient() }))).statusCode).toBe(403);

    const gp = await registerPrescriber(h.t);
    const order = await gp.signedOrder({ nhsNumber: nhs, nominatedPharmacy: null });
    const sent = await processMessage(h.t, order, await gp.bearer());
    expect(sent.statusCode, sent.body).toBe(200);
    const stored = await db().query<{ patient: string; nominated_pharmacy: string | null }>(
      'SELECT patient, nominated_pharmacy FROM prescription WHERE short_form_id = $1',
      [shortFormIdOf(order)],
    );
    expect(stored.rows).toEqual([{ patient: survivor, nominated_pharmacy: 'FMG01' }]);
  });
});
