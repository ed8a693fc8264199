/**
 * The nominated pharmacy: a patient finds pharmacies, chooses and changes their own nomination
 * (nobody else may), and new prescriptions sent without a pharmacy go to it while those already
 * stored or released stay where they are.
 */
import type { Organization } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/databases.js';
import { bodies } from '../../../test/never-5xx.js';
import { dispensingApi, releaseOutcome } from '../../../test/support/dispensing/api.js';
import { errorCode, type PortalTest, parameters, startPortalTest } from '../../../test/support/portal/app.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { releaseParameters } from '../../dispensing/examples/messages.js';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../../nhs/index.js';
import { generateNhsNumber } from '../../nhs/nhs-number.js';
import { shortFormIdOf } from '../../prescribing/examples/order-bundle.js';

const ROLE = 'https://fhir.nhs.uk/CodeSystem/organisation-role';

describe.each(databaseKinds)('nominated pharmacy on %s', (kind) => {
  let p: PortalTest;
  let gp: TestPrescriber;
  let mine: { id: string; reference: string; token: string; nhs: string };
  let theirs: Awaited<ReturnType<PortalTest['patient']>>;

  const organisation = (ods: string, name: string, postcode: string, role = '182') =>
    p.call(p.admin, 'POST', '/fhir/R4/Organization', {
      resourceType: 'Organization',
      identifier: [{ system: ODS_SYSTEM, value: ods }],
      active: true,
      type: [{ coding: [{ system: ROLE, code: role }] }],
      name,
      address: [{ line: ['1 Test Street'], city: 'Leeds', postalCode: postcode }],
    } satisfies Organization);
  const find = (token: string, q: string) =>
    p.call(token, 'GET', `/fhir/R4/Organization/$find-pharmacy?q=${encodeURIComponent(q)}`);
  const names = async (token: string, q: string) =>
    ((await find(token, q)).json().entry ?? []).map(
      (entry: { resource: Organization }) => entry.resource.name,
    );
  const nominate = (token: string, patientId: string, body: unknown) =>
    p.call(token, 'POST', `/fhir/R4/Patient/${patientId}/$nominate-pharmacy`, body);
  const nominationOf = async (patient: string) =>
    (
      await p.t.pathways.db.query<{ pharmacy: string }>(
        'SELECT pharmacy FROM pharmacy_nomination WHERE patient = $1',
        [patient],
      )
    ).rows[0]?.pharmacy;
  const order = async (nominatedPharmacy?: string | null) => {
    const bundle = await gp.signedOrder({
      nhsNumber: mine.nhs,
      nominatedPharmacy: nominatedPharmacy ?? null,
    });
    const reply = await processMessage(p.t, bundle, await gp.bearer());
    expect(reply.statusCode, reply.body).toBe(200);
    const shortFormId = shortFormIdOf(bundle);
    const row = await p.t.pathways.db.query<{
      nominated_pharmacy: string | null;
      state: { nominatedPharmacy?: string };
    }>('SELECT nominated_pharmacy, state FROM prescription WHERE short_form_id = $1', [shortFormId]);
    return { shortFormId, row: row.rows[0]! };
  };

  beforeAll(async () => {
    p = await startPortalTest(kind);
    gp = await registerPrescriber(p.t);
    for (const [ods, name, postcode] of [
      ['FNM01', 'Kirkstall Pharmacy', 'LS5 3BN'],
      ['FNM02', 'Headingley Chemist', 'LS6 3HN'],
      ['FNM03', 'Kirkgate Pharmacy', 'LS1 6BR'],
    ] as const) {
      expect((await organisation(ods, name, postcode)).statusCode).toBe(201);
    }
    expect((await organisation('A83NM1', 'Kirkstall Surgery', 'LS5 3BT', '76')).statusCode).toBe(201);
    const nhs = generateNhsNumber();
    const created = await p.call(p.admin, 'POST', '/fhir/R4/Patient', {
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
      name: [{ family: 'Nominator', given: ['Pat'] }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    mine = {
      id,
      reference: `Patient/${id}`,
      nhs,
      token: await p.token({ roles: ['patient'], fhirUser: `Patient/${id}`, subject: `patient-${id}` }),
    };
    theirs = await p.patient('Theirs');
  });
  afterAll(() => p.close());

  it('finds pharmacies by name or postcode, never other organisations', async () => {
    expect(await names(mine.token, 'kirk')).toEqual(['Kirkgate Pharmacy', 'Kirkstall Pharmacy']);
    expect(await names(mine.token, 'LS5')).toEqual(['Kirkstall Pharmacy']);
    expect(await names(mine.token, 'ls63hn')).toEqual(['Headingley Chemist']);
    expect(await names(mine.token, 'FNM03')).toEqual(['Kirkgate Pharmacy']);
    expect(await names(mine.token, 'surgery')).toEqual([]);
    const one = (await find(mine.token, 'LS5 3BN')).json().entry[0].resource as Organization;
    expect(one).toEqual({
      resourceType: 'Organization',
      id: expect.any(String),
      identifier: [{ system: ODS_SYSTEM, value: 'FNM01' }],
      active: true,
      type: [{ coding: [{ system: ROLE, code: '182', display: 'Pharmacy' }] }],
      name: 'Kirkstall Pharmacy',
      address: [{ line: ['1 Test Street'], city: 'Leeds', postalCode: 'LS5 3BN' }],
    });
    expect(errorCode(await find(mine.token, 'k'))).toBe('INVALID_VALUE');
    const extra = await p.call(mine.token, 'GET', '/fhir/R4/Organization/$find-pharmacy?q=kirk&_count=500');
    expect([extra.statusCode, errorCode(extra)]).toEqual([400, 'INVALID_VALUE']);
    const twice = await p.call(mine.token, 'GET', '/fhir/R4/Organization/$find-pharmacy?q=kirk&q=head');
    expect(twice.statusCode).toBe(400);
    expect((await find(p.clinician, 'kirk')).statusCode).toBe(403);
  });

  it("finds a district's pharmacies however many others come first by name", async () => {
    // More than a page of pharmacies in LS15 and organisations with the pharmacy role but no ODS
    // code in LS1, all sorting before the LS1 pharmacies by name: none of them may take their places.
    const store = (name: string, postalCode: string, ods?: string) =>
      p.store({
        resourceType: 'Organization',
        ...(ods ? { identifier: [{ system: ODS_SYSTEM, value: ods }] } : {}),
        active: true,
        type: [{ coding: [{ system: ROLE, code: '182' }] }],
        name,
        address: [{ line: ['2 Test Street'], city: 'Leeds', postalCode }],
      } satisfies Organization);
    for (let n = 10; n < 32; n++) await store(`Aire Pharmacy ${n}`, `LS15 ${n % 10}AA`, `FNA${n}`);
    for (let n = 10; n < 31; n++) await store(`Abbey Chemist ${n}`, `LS1 ${n % 10}AB`);
    await store('Zeta Pharmacy', 'LS1 9ZZ', 'FNZ01');
    await store('Outward Pharmacy', 'ls1', 'FNZ02');

    expect(await names(mine.token, 'LS1')).toEqual([
      'Kirkgate Pharmacy',
      'Outward Pharmacy',
      'Zeta Pharmacy',
    ]);
    expect(await names(mine.token, 'ls1 9')).toEqual(['Zeta Pharmacy']);
    expect(await names(mine.token, 'chemist')).toEqual(['Headingley Chemist']);
    const district = await names(mine.token, 'LS15');
    expect(district).toHaveLength(20);
    expect(district.every((name: string) => name.startsWith('Aire Pharmacy '))).toBe(true);
    expect((await find(mine.token, 'LS15')).json().total).toBe(20);
  });

  it('finds a pharmacy that does not say whether it is active, never one that says it is not', async () => {
    const store = (name: string, ods: string, active?: boolean) =>
      p.store({
        resourceType: 'Organization',
        identifier: [{ system: ODS_SYSTEM, value: ods }],
        ...(active === undefined ? {} : { active }),
        type: [{ coding: [{ system: ROLE, code: '182' }] }],
        name,
        address: [{ line: ['3 Test Street'], city: 'Leeds', postalCode: 'LS28 5AA' }],
      } satisfies Organization);
    await store('Pudsey Pharmacy', 'FNP01');
    await store('Pudsey Closed Pharmacy', 'FNP02', false);
    expect(await names(mine.token, 'pudsey')).toEqual(['Pudsey Pharmacy']);
    expect(await names(mine.token, 'LS28')).toEqual(['Pudsey Pharmacy']);
  });

  it('lets the patient choose and change their own nomination, audited and announced', async () => {
    const none = await p.call(mine.token, 'GET', `/fhir/R4/Patient/${mine.id}/$nominated-pharmacy`);
    expect(none.json()).toEqual({ resourceType: 'Parameters', parameter: [] });
    const chosen = await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'fnm01' }));
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().parameter[0]).toMatchObject({
      name: 'pharmacy',
      resource: { name: 'Kirkstall Pharmacy', identifier: [{ value: 'FNM01' }] },
    });
    const again = await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM01' }));
    expect(again.statusCode).toBe(200);
    const changed = await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM02' }));
    expect(changed.statusCode).toBe(200);
    const read = await p.call(mine.token, 'GET', `/fhir/R4/Patient/${mine.id}/$nominated-pharmacy`);
    expect(read.json().parameter[0].resource.name).toBe('Headingley Chemist');
    const events = (await p.events('nomination-changed')).filter((event) => event.key === mine.reference);
    expect(events.map((event) => event.payload)).toEqual([
      { patient: mine.reference, pharmacy: 'FNM01', previous: null },
      { patient: mine.reference, pharmacy: 'FNM02', previous: 'FNM01' },
    ]);
    const audits = await p.t.pathways.db.query<{ content: string }>(
      'SELECT content FROM audit_event WHERE patient = $1 ORDER BY seq',
      [mine.reference],
    );
    expect(audits.rows.map((row) => JSON.parse(row.content).outcomeDesc).filter(Boolean)).toEqual(
      expect.arrayContaining([
        'nominated pharmacy changed by the patient from none to FNM01',
        'nominated pharmacy changed by the patient from FNM01 to FNM02',
      ]),
    );
  });

  it('refuses bad bodies, unknown pharmacies, other patients and other roles, changing nothing', async () => {
    await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM02' }));
    const before = (await p.events('nomination-changed')).length;
    const bad: Array<[unknown, number]> = [
      [undefined, 400],
      [{ resourceType: 'Patient' }, 400],
      [[1, 2], 400],
      ['FNM01', 400],
      [parameters(), 400],
      [parameters({ name: 'pharmacy', valueString: 'FNM01' }), 400],
      [parameters({ name: 'pharmacy', valueCode: 'FNM01' }, { name: 'pharmacy', valueCode: 'FNM03' }), 400],
      [parameters({ name: 'pharmacy', valueCode: 'FNM01' }, { name: 'patient', valueCode: 'x' }), 400],
      [parameters({ name: 'pharmacy', valueCode: { nested: true } }), 400],
      [parameters({ name: 'pharmacy', valueCode: 'A83NM1' }), 400],
      [parameters({ name: 'pharmacy', valueCode: 'ZZZ999' }), 400],
    ];
    for (const [body, status] of bad) {
      const reply = await nominate(mine.token, mine.id, body);
      expect([reply.statusCode, reply.json().resourceType], JSON.stringify(body)).toEqual([
        status,
        'OperationOutcome',
      ]);
    }
    const wrongPatient = await nominate(
      mine.token,
      theirs.id,
      parameters({ name: 'pharmacy', valueCode: 'FNM01' }),
    );
    expect(wrongPatient.statusCode).toBe(403);
    expect(
      (await p.call(mine.token, 'GET', `/fhir/R4/Patient/${theirs.id}/$nominated-pharmacy`)).statusCode,
    ).toBe(403);
    const staff = [
      p.clinician,
      p.admin,
      await gp.bearer(),
      await p.token({ roles: ['dispenser'], fhirUser: 'Practitioner/ph-1', org: 'FNM01' }),
      await p.token({ roles: ['service-desk'], fhirUser: 'Practitioner/desk-1' }),
    ];
    for (const token of staff) {
      const reply = await nominate(token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM01' }));
      expect(reply.statusCode).toBe(403);
    }
    expect(await nominationOf(mine.reference)).toBe('FNM02');
    expect(await nominationOf(theirs.reference)).toBeUndefined();
    expect((await p.events('nomination-changed')).length).toBe(before);
  });

  it('answers any generated body and query with a 2xx or 4xx, and a refused body changes nothing', async () => {
    const valid = parameters({ name: 'pharmacy', valueCode: 'FNM03' });
    await fc.assert(
      fc.asyncProperty(bodies(valid), async (body) => {
        await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM02' }));
        const reply = await p.t.pathways.app.inject({
          method: 'POST',
          url: `/fhir/R4/Patient/${mine.id}/$nominate-pharmacy`,
          headers: { authorization: mine.token, 'content-type': 'application/fhir+json' },
          payload: body,
        });
        expect(reply.statusCode, reply.body).toBeLessThan(500);
        if (reply.statusCode >= 400) expect(await nominationOf(mine.reference)).toBe('FNM02');
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), async (q) => {
        const reply = await find(mine.token, q);
        expect(reply.statusCode, reply.body).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });

  it('sends new prescriptions without a pharmacy to the nomination; stored ones stay where they are', async () => {
    await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM01' }));
    const first = await order();
    expect(first.row.nominated_pharmacy).toBe('FNM01');
    expect(first.row.state.nominatedPharmacy).toBe('FNM01');
    const events = await p.events('prescription-order');
    expect(events.find((event) => event.key === first.shortFormId)?.payload).toMatchObject({
      nominatedPharmacy: 'FNM01',
      nominatedBy: 'patient',
    });
    const named = await order('FNM03');
    expect(named.row.nominated_pharmacy).toBe('FNM03');
    // Released to the first pharmacy before the patient changes their nomination.
    const api = dispensingApi(p.t);
    const kirkstall = await api.pharmacist('FNM01');
    const released = await api.release(releaseParameters('FNM01'), kirkstall);
    expect(releaseOutcome(released.json()).passed.length).toBe(1);
    const waiting = await order();
    await nominate(mine.token, mine.id, parameters({ name: 'pharmacy', valueCode: 'FNM02' }));
    const later = await order();
    expect(later.row.nominated_pharmacy).toBe('FNM02');
    const rows = await p.t.pathways.db.query<{
      short_form_id: string;
      nominated_pharmacy: string;
      dispenser: string | null;
    }>(
      'SELECT short_form_id, nominated_pharmacy, dispenser FROM prescription WHERE short_form_id = ANY($1) ORDER BY short_form_id',
      [[first.shortFormId, waiting.shortFormId]],
    );
    expect(
      Object.fromEntries(
        rows.rows.map((row) => [row.short_form_id, [row.nominated_pharmacy, row.dispenser]]),
      ),
    ).toEqual({
      [first.shortFormId]: ['FNM01', 'FNM01'],
      [waiting.shortFormId]: ['FNM01', null],
    });
    const headingley = await api.pharmacist('FNM02');
    const theirRelease = releaseOutcome((await api.release(releaseParameters('FNM02'), headingley)).json());
    expect(theirRelease.passed.map((bundle) => shortFormIdOf(bundle))).toEqual([later.shortFormId]);
    // Without a nomination, an order without a pharmacy has none.
    await nominate(mine.token, mine.id, parameters({ name: 'pharmacy' }));
    expect(await nominationOf(mine.reference)).toBeUndefined();
    expect((await order()).row.nominated_pharmacy).toBeNull();
  });
});
