import type { AuditEvent, Bundle, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/app.js';
import { databaseKinds } from '../../../test/databases.js';
import {
  processMessage,
  registerPrescriber,
  type TestPrescriber,
} from '../../../test/support/prescribing/prescriber.js';
import { NHS_NUMBER_SYSTEM } from '../../nhs/index.js';
import { itemIdOf, shortFormIdOf } from '../examples/order-bundle.js';
import { generateShortFormId } from '../identifiers/prescription-id.js';
import { PRESCRIPTION_ORDER_NUMBER } from '../order/bundle-entries.js';
import { transition } from '../status/state-machine.js';
import { findPrescription, saveState } from '../store/prescriptions.js';

describe.each(databaseKinds)('prescription tracker on %s', (kind) => {
  let app: TestApp;
  let gp: TestPrescriber;
  let shortFormId: string;
  let patient: string;
  let itemId: string;

  beforeAll(async () => {
    app = await startTestApp(kind);
    gp = await registerPrescriber(app);
    const order = await gp.signedOrder({
      nhsNumber: '9449306060',
      nominatedPharmacy: 'FCG71',
      items: [{ quantity: 10 }],
    });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    shortFormId = shortFormIdOf(order);
    itemId = itemIdOf(order);
    patient = (await findPrescription(app.pathways.db, shortFormId))!.patient!;
  });
  afterAll(async () => app?.close());

  async function track(query: string, authorization: string) {
    const response = await app.pathways.app.inject({
      method: 'GET',
      url: `/fhir/R4/Task?${query}`,
      headers: { authorization },
    });
    return response;
  }

  async function tasks(query: string, authorization: string): Promise<Task[]> {
    const response = await track(query, authorization);
    expect(response.statusCode, response.body).toBe(200);
    return ((response.json() as Bundle<Task>).entry ?? []).map((entry) => entry.resource!);
  }

  it('shows the prescriber organisation one Task with the status, items and nomination', async () => {
    const [task, ...rest] = await tasks(
      `focus:identifier=${encodeURIComponent(shortFormId)}`,
      await gp.bearer(),
    );
    expect(rest).toHaveLength(0);
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      businessStatus: { coding: [{ code: '0001', display: 'To Be Dispensed' }] },
      focus: { identifier: { value: shortFormId } },
      for: { reference: patient, identifier: { system: NHS_NUMBER_SYSTEM, value: '9449306060' } },
    });
    expect(task!.owner).toBeUndefined();
    expect(task!.output?.[0]).toMatchObject({
      type: { coding: [{ code: '0007' }] },
      valueReference: { reference: `MedicationRequest/${itemId}` },
    });
  });

  it('finds by patient identifier and business status', async () => {
    expect(
      await tasks(
        `patient:identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|9449306060`)}`,
        await gp.bearer(),
      ),
    ).toHaveLength(1);
    expect(await tasks('business-status=0001', await gp.bearer())).not.toHaveLength(0);
    expect(await tasks('business-status=0006', await gp.bearer())).toHaveLength(0);
  });

  it('shows the dispenser once released, with the pharmacy as owner; other organisations see nothing', async () => {
    const pharmacy = await app.bearer({ roles: ['dispenser'], org: 'FCG71' });
    expect(await tasks(`focus:identifier=${encodeURIComponent(shortFormId)}`, pharmacy)).toHaveLength(0);
    await app.pathways.db.transaction(async (tx) => {
      const record = (await findPrescription(tx, shortFormId, { forUpdate: true }))!;
      await saveState(tx, record, transition(record.state, { type: 'release', pharmacy: 'FCG71' }).state);
    });
    const [task] = await tasks(`focus:identifier=${encodeURIComponent(shortFormId)}`, pharmacy);
    expect(task).toMatchObject({ status: 'accepted', owner: { identifier: { value: 'FCG71' } } });
    const elsewhere = await app.bearer({ roles: ['dispenser'], org: 'FEW08' });
    expect(await tasks(`focus:identifier=${encodeURIComponent(shortFormId)}`, elsewhere)).toHaveLength(0);
    const otherPractice = await app.bearer({
      roles: ['prescriber'],
      fhirUser: 'Practitioner/x',
      org: 'B82005',
    });
    expect(
      await tasks(
        `patient:identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|9449306060`)}`,
        otherPractice,
      ),
    ).toHaveLength(0);
  });

  it('shows the service desk everything, and refuses a registrar', async () => {
    const desk = await app.bearer({ roles: ['service-desk'] });
    expect(await tasks(`focus:identifier=${encodeURIComponent(shortFormId)}`, desk)).toHaveLength(1);
    expect(
      (
        await track(
          `focus:identifier=${encodeURIComponent(shortFormId)}`,
          await app.bearer({ roles: ['registrar'] }),
        )
      ).statusCode,
    ).toBe(403);
  });

  it("shows a patient their own prescription and nothing of another patient's, whatever the query names", async () => {
    const own = await app.bearer({ roles: ['patient'], fhirUser: patient });
    expect(await tasks(`focus:identifier=${encodeURIComponent(shortFormId)}`, own)).toHaveLength(1);
    expect(await tasks('business-status=0002', own)).toHaveLength(1);
    const intruder = await app.bearer({ roles: ['patient'], fhirUser: 'Patient/someone-else' });
    // Narrowed to the intruder's own prescriptions in SQL: the answer is the one a prescription
    // ID that does not exist gets, with no next link, so it cannot tell that this one exists.
    for (const query of [
      `focus:identifier=${encodeURIComponent(shortFormId)}&_count=1`,
      `patient:identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|9449306060`)}&_count=1`,
      `patient=${patient}&_count=1`,
    ]) {
      const response = await track(query, intruder);
      expect(response.statusCode, query).toBe(200);
      expect(response.json().entry ?? [], query).toHaveLength(0);
      expect(
        response.json().link.map((link: { relation: string }) => link.relation),
        query,
      ).toEqual(['self']);
    }
  });

  it('refuses a tracker parameter given twice', async () => {
    const own = await app.bearer({ roles: ['patient'], fhirUser: patient });
    for (const [query, name] of [
      ['business-status=0001&_count=5&_count=1', '_count'],
      [`focus:identifier=${encodeURIComponent(shortFormId)}&focus:identifier=X`, 'focus:identifier'],
    ]) {
      const response = await track(query!, own);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().issue[0].expression, query).toEqual([name]);
    }
  });

  it('finds a prescription whose check character is + whether or not the query string was encoded', async () => {
    let plusId: string;
    do plusId = generateShortFormId(gp.ods);
    while (!plusId.endsWith('+'));
    const order = await gp.signedOrder({
      shortFormId: plusId,
      nhsNumber: '9449306060',
      items: [{ quantity: 1 }],
    });
    expect((await processMessage(app, order, await gp.bearer())).statusCode).toBe(200);
    const encoded = await tasks(`focus:identifier=${encodeURIComponent(plusId)}`, await gp.bearer());
    const unencoded = await tasks(`focus:identifier=${plusId}`, await gp.bearer());
    const withSystem = await tasks(
      `focus:identifier=${PRESCRIPTION_ORDER_NUMBER}|${plusId}`,
      await gp.bearer(),
    );
    for (const found of [encoded, unencoded, withSystem]) {
      expect(found.map((task) => task.focus?.identifier?.value)).toEqual([plusId]);
    }
  });

  it("audits a patient's search once, naming every Task it returned", async () => {
    const searches = async () =>
      (
        await app.pathways.db.query<{ content: string }>(
          `SELECT content FROM audit_event WHERE patient = $1 AND content LIKE '%"search-type"%'`,
          [patient],
        )
      ).rows.map((row) => JSON.parse(row.content) as AuditEvent);
    const before = await searches();
    const own = await app.bearer({ roles: ['patient'], fhirUser: patient });
    const found = await tasks(`patient=${patient}`, own);
    expect(found.length).toBeGreaterThanOrEqual(2);
    const added = (await searches()).filter((event) => !before.some((old) => old.id === event.id));
    expect(added).toHaveLength(1);
    const listed = added[0]!.entity!.flatMap((entity) =>
      entity.what?.reference?.startsWith('Task/') ? [entity.what.reference] : [],
    );
    expect(listed.sort()).toEqual(found.map((task) => `Task/${task.id}`).sort());
  });

  it('answers bad queries with an OperationOutcome', async () => {
    const response = await track('nonsense=1', await gp.bearer());
    expect(response.statusCode).toBe(400);
    expect(response.json().resourceType).toBe('OperationOutcome');
    expect((await track('business-status=9999', await gp.bearer())).statusCode).toBe(400);
  });
});
